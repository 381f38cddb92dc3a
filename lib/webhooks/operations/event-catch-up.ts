import type Stripe from 'stripe';

/** Stripe keeps events for 30 days; `/v1/events` returns nothing older. */
export const STRIPE_EVENT_RETENTION_DAYS = 30;

/** Result of `WebhookOperations.catchUp`. */
export interface CatchUpResult {
  /** The start actually used (clamped to Stripe's 30-day retention). */
  since: string;
  /** Events Stripe listed since then. */
  listed: number;
  /** Already processed or ignored by the inbox: not run again. */
  alreadyDone: number;
  /** Run now: processed, ignored (no handler), or failed (left in the inbox as `failed`). */
  processed: number;
  ignored: number;
  /** Held by another instance or a delivery at that moment (it completes them). */
  inProgress: number;
  failed: { id: string; type: string; error: string }[];
}

/** The start of a catch-up: an ISO date, or a duration back from now such as `90m`, `12h`, `3d`. */
export function parseSince(value: string, now: Date): Date {
  const duration = /^(\d+)\s*(m|h|d)$/.exec(value.trim());
  if (duration) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(duration[1]) * unit);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`--since '${value}' is neither an ISO date (2026-11-01T00:00:00Z) nor a duration (90m, 12h, 3d).`);
  return date;
}

/** Clamps a start to what Stripe still lists (with a minute's margin for the clock). */
export function clampToRetention(since: Date, now: Date): Date {
  const oldest = new Date(now.getTime() - STRIPE_EVENT_RETENTION_DAYS * 86_400_000 + 60_000);
  return since < oldest ? oldest : since;
}

/** Lists every event created at or after `since`, oldest first (Stripe lists newest first). */
export async function listEventsSince(stripe: Stripe, since: Date): Promise<Stripe.Event[]> {
  const events: Stripe.Event[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page = await stripe.events.list({ created: { gte: Math.floor(since.getTime() / 1000) }, limit: 100, ...(startingAfter ? { starting_after: startingAfter } : {}) });
    events.push(...page.data);
    if (!page.has_more || page.data.length === 0) break;
    startingAfter = page.data[page.data.length - 1].id;
  }
  // Same second: keep Stripe's order reversed, which is creation order.
  return events.reverse().sort((a, b) => a.created - b.created);
}
