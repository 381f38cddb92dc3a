import type Stripe from 'stripe';
import { WebhookEventEntity } from '../../../lib';
import { TestUser } from '../../support/test-user.entity';
import { Harness } from './reliability-harness';

const ENDED = ['canceled', 'incomplete_expired'];
const seconds = (d: Date | null | undefined): number | null => (d ? Math.round(d.getTime() / 1000) : null);

/** The fake's subscriptions of a billable (by the metadata checkout sets), newest first. */
export function subscriptionsOf(h: Harness, billableId: number): Stripe.Subscription[] {
  return [...h.fake.state.subscriptions.values()].filter((s) => s.metadata?.billable_id === String(billableId)).sort((a, b) => b.created - a.created);
}

/** What the billable's row must say, read from Stripe's (the fake's) final state. */
export function expectedRow(h: Harness, sub: Stripe.Subscription): Record<string, unknown> {
  const item = sub.items.data[0];
  const known = h.catalog.byPriceId(item.price.id);
  return {
    stripeCustomerId: sub.customer as string,
    stripeSubscriptionId: sub.id,
    subscriptionStatus: sub.status,
    plan: ENDED.includes(sub.status) ? null : (known?.plan.key ?? null),
    currentPeriodEnd: item.current_period_end,
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    cancelAt: sub.cancel_at ?? null,
    trialEnd: sub.trial_end ?? null,
  };
}

/** The same fields of a stored row. */
export function actualRow(row: TestUser): Record<string, unknown> {
  return {
    stripeCustomerId: row.stripeCustomerId,
    stripeSubscriptionId: row.stripeSubscriptionId,
    subscriptionStatus: row.subscriptionStatus,
    plan: row.plan,
    currentPeriodEnd: seconds(row.currentPeriodEnd),
    cancelAtPeriodEnd: row.cancelAtPeriodEnd,
    cancelAt: seconds(row.cancelAt),
    trialEnd: seconds(row.trialEnd),
  };
}

/** Billables whose row differs from Stripe's latest subscription of theirs, with the differing fields. */
export async function diffAgainstStripe(h: Harness, userIds: number[]): Promise<string[]> {
  const rows = await h.sql.getRepository(TestUser).findBy(userIds.map((id) => ({ id })));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const diffs: string[] = [];
  for (const id of userIds) {
    const [sub] = subscriptionsOf(h, id);
    const row = byId.get(id);
    if (!sub || !row) {
      diffs.push(`billable ${id}: ${!sub ? 'no subscription at Stripe' : 'no row'}`);
      continue;
    }
    const want = expectedRow(h, sub);
    const got = actualRow(row);
    const fields = Object.keys(want).filter((k) => want[k] !== got[k]);
    if (fields.length) diffs.push(`billable ${id} (${sub.id}): ${fields.map((f) => `${f} stored=${String(got[f])} stripe=${String(want[f])}`).join(', ')}`);
  }
  return diffs;
}

/** Committed applications per event id, from the probe's table. */
export async function applications(h: Harness, eventIds: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>(eventIds.map((id) => [id, 0]));
  const rows: { event_id: string; n: string }[] = await h.sql.query('SELECT event_id, COUNT(*) AS n FROM reliability_applied WHERE event_id = ANY($1) GROUP BY event_id', [eventIds]);
  for (const r of rows) counts.set(r.event_id, Number(r.n));
  return counts;
}

/** Inbox statuses per event id. */
export async function inboxStatuses(h: Harness, eventIds: string[]): Promise<Map<string, string>> {
  const rows = await h.sql.getRepository(WebhookEventEntity).createQueryBuilder('e').select(['e.id', 'e.status']).where('e.id IN (:...ids)', { ids: eventIds }).getMany();
  return new Map(rows.map((r) => [r.id, r.status]));
}

/** The delivery figures of the events delivered since index `from` of fake.deliveries. */
export function deliveryFigures(h: Harness, from: number): { deliveries: number; fivexx: number; non2xx: number } {
  const list = h.fake.deliveries.slice(from);
  const fivexx = list.filter((d) => d.status === 'error' || d.status >= 500).length;
  const non2xx = list.filter((d) => d.status === 'error' || d.status < 200 || d.status >= 300).length;
  return { deliveries: list.length, fivexx, non2xx };
}

/** Lost (never committed) and applied-twice counts over the given events. */
export async function lostAndTwice(h: Harness, eventIds: string[]): Promise<{ lost: string[]; twice: string[]; notProcessed: string[] }> {
  const counts = await applications(h, eventIds);
  const inbox = await inboxStatuses(h, eventIds);
  return {
    lost: eventIds.filter((id) => counts.get(id) === 0),
    twice: eventIds.filter((id) => (counts.get(id) ?? 0) > 1),
    notProcessed: eventIds.filter((id) => !['processed', 'ignored'].includes(inbox.get(id) ?? 'missing')),
  };
}
