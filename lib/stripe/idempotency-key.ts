import { createHash } from 'node:crypto';

/** What makes two requests "the same intent": who, what, with which inputs. */
export interface IdempotencyIntent {
  /** Billable id (or any owner). */
  owner: string;
  /** Operation name, e.g. 'checkout.create'. */
  action: string;
  /** The inputs that change the outcome (plan, interval, ...). */
  inputs?: Record<string, unknown>;
}

/**
 * A Stripe idempotency key derived from our own intent: the same owner, action and inputs give the
 * same key within one window of `windowSeconds`, so a double click or a retried job replays
 * Stripe's first answer instead of creating a second object.
 */
export function idempotencyKeyFor(intent: IdempotencyIntent, windowSeconds: number, now: Date = new Date()): string {
  const window = Math.floor(now.getTime() / 1000 / windowSeconds);
  const material = JSON.stringify([intent.owner, intent.action, sortKeys(intent.inputs ?? {}), window]);
  const digest = createHash('sha256').update(material).digest('hex').slice(0, 40);
  return `nhp-${intent.action}-${digest}`;
}

function sortKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, value[key]]));
}
