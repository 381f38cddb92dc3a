import type Stripe from 'stripe';
import { TestUser } from '../../support/test-user.entity';
import { checkoutAndPay } from '../support/lifecycles';
import { applications, diffAgainstStripe } from '../support/oracle';
import { probeControl } from '../support/reliability-probe';
import { report, rngFor, sized, WEBHOOK_MODE } from '../support/reliability-env';
import { Harness } from '../support/reliability-harness';
import { sendEvent, undelivered } from '../support/webhook-sender';

const DAY = 86_400;
// Stripe's order of statuses in these lifecycles; the local status may skip ahead, never go back
// (past_due -> active is a recovery, which Stripe itself does).
const ORDER = ['incomplete', 'trialing', 'active', 'past_due', 'canceled'];

/** R2: one event delivered 50 times at the same instant, to both instances. */
export async function r2SameInstant(h: Harness): Promise<void> {
  const started = Date.now();
  const copies = 50;
  const user = await h.user();
  const events = await undelivered(h, () => checkoutAndPay(h, 0, user, 'enterprise'));
  const event = events.find((e) => e.type === 'invoice.paid')!;
  const answers = await Promise.all(Array.from({ length: copies }, (_, i) => sendEvent(h, i, event)));
  await h.settle();
  const counts = await applications(h, [event.id]);
  const byStatus: Record<number, number> = {};
  for (const a of answers) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
  const fivexx = answers.filter((a) => a.status >= 500).length;
  report('R2', 'one event x50 at the same instant, 2 instances', {
    deliveries: copies, applied: counts.get(event.id)!, statuses: Object.entries(byStatus).map(([k, v]) => `${k}:${v}`).join(','), '5xx': fivexx,
  }, started);
  expect(counts.get(event.id)).toBe(1);
  expect(fivexx).toBe(0);
  // One delivery did the work (inline: processed it; queued: committed it for the workers); the others were duplicates.
  const first = WEBHOOK_MODE === 'inline' ? 'processed' : 'queued';
  expect(answers.filter((a) => a.status === 200 && a.json?.outcome === first)).toHaveLength(1);
}

/** One subscription's lifecycle at the fake, its events kept back; returns the user and events. */
async function lifecycleEvents(h: Harness, seedKind: number): Promise<{ user: TestUser; events: Stripe.Event[] }> {
  const stripe = h.fake.client();
  const user = await h.user();
  let customerId = '';
  const all = await undelivered(h, async () => {
    const life = await checkoutAndPay(h, 0, user, 'pro');
    customerId = life.customerId;
    const sub = await stripe.subscriptions.retrieve(life.subscriptionId);
    await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, price: 'price_enterprise_month' }] });
    // Either declined renewals (past_due, then cancelled by Stripe) or a renewal and a cancel at period end.
    if (seedKind % 2 === 0) h.fake.setCustomerCard(life.customerId, 'decline');
    await h.fake.advanceTime(35 * DAY);
    if (seedKind % 2 === 1) await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    await h.fake.advanceTime(40 * DAY);
  });
  // The clock is shared: other scenarios' subscriptions renew meanwhile; keep this customer's events.
  const events = all.filter((e) => {
    const object = e.data.object as { id?: string; object?: string; customer?: unknown };
    return object.customer === customerId || (object.object === 'customer' && object.id === customerId);
  });
  return { user, events };
}

/**
 * R3: permutation samples of one subscription's lifecycle: for each seeded permutation, the
 * billable starts clean (billing columns and inbox rows reset) and the events arrive one by one
 * in that order, alternating instances. Final state must equal Stripe's; status never goes back.
 */
export async function r3Permutations(h: Harness): Promise<void> {
  const started = Date.now();
  const rng = rngFor('R3');
  const samples = sized({ ci: 60, full: 400 });
  let regressions = 0;
  let diffs = 0;
  let fivexx = 0;
  let deliveries = 0;
  let eventCount = 0;
  const failures: string[] = [];
  for (const kind of [0, 1]) {
    const { user, events } = await lifecycleEvents(h, kind);
    eventCount += events.length;
    for (let sample = 0; sample < samples / 2; sample++) {
      await resetBillable(h, user, events);
      const from = probeControl.transitions.length;
      for (const [i, event] of rng.shuffle(events).entries()) {
        const answer = await sendEvent(h, i, event);
        deliveries++;
        if (answer.status >= 500) fivexx++;
      }
      await h.settle();
      const diff = await diffAgainstStripe(h, [user.id]);
      diffs += diff.length;
      const seen = probeControl.transitions.slice(from).filter((t) => t.billableId === String(user.id));
      for (const t of seen) {
        if (t.from && t.to && t.from !== t.to && !(t.from === 'past_due' && t.to === 'active') && ORDER.indexOf(t.to) < ORDER.indexOf(t.from)) {
          regressions++;
          failures.push(`${t.from} -> ${t.to} on ${t.eventId}`);
        }
      }
      failures.push(...diff);
    }
  }
  report('R3', 'permutation samples of a lifecycle, events one by one', {
    samples, events: eventCount, deliveries, finalStateDiff: diffs, statusRegressions: regressions, '5xx': fivexx,
  }, started);
  expect(failures).toEqual([]);
  expect(fivexx).toBe(0);
}

/** Back to before any of `events` arrived: no billing state (customer kept) and no inbox rows. */
async function resetBillable(h: Harness, user: TestUser, events: Stripe.Event[]): Promise<void> {
  const ids = events.map((e) => e.id);
  await h.sql.query('DELETE FROM payments_webhook_events WHERE id = ANY($1)', [ids]);
  await h.sql.query('DELETE FROM reliability_applied WHERE event_id = ANY($1)', [ids]);
  await h.sql.query(
    `UPDATE users SET stripe_subscription_id = NULL, plan = NULL, subscription_status = NULL, current_period_start = NULL,
     current_period_end = NULL, cancel_at_period_end = false, cancel_at = NULL, trial_start = NULL, trial_end = NULL,
     past_due_since = NULL, billing_synced_at = NULL WHERE id = $1`,
    [user.id],
  );
}
