import type Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { startTestApp, TestApp } from '../support/test-app';
import { reload, subscribe, userWithCustomer } from './support/fake-flows';
import { RecordingHandlers } from './support/recording-handlers';

const DAY = 86_400;
const SEEDS = [1, 2, 3, 4, 5, 6];
// Stripe's own order of statuses in these lifecycles; local state may skip ahead, never go back.
const ORDER = ['incomplete', 'trialing', 'active', 'past_due', 'canceled'];

describe.each(testDatabases())('out-of-order delivery on %s', (kind) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it.each(SEEDS)('seed %i: shuffled, duplicated, concurrent lifecycle events → final state equals Stripe, status never regresses', async (seed) => {
    const fake = await FakeStripe.start({ seed });
    const t: TestApp = await startTestApp({ db, fake, providers: [RecordingHandlers] });
    try {
      const stripe: Stripe = fake.client();
      fake.setDelivery({ shuffle: true, times: 2, concurrency: 6, delayMs: [0, 15] });
      const user = await userWithCustomer(t, stripe);
      const subId = await subscribe(fake, stripe, user, 'price_pro_month', seed % 2 ? { subscription_data: { trial_period_days: 14 } } : {});
      const sub = await stripe.subscriptions.retrieve(subId);
      await stripe.subscriptions.update(subId, { items: [{ id: sub.items.data[0].id, price: 'price_enterprise_month' }] });
      if (seed % 3 === 0) fake.setCustomerCard(user.stripeCustomerId!, 'decline');
      await fake.advanceTime(35 * DAY);
      if (seed % 3 !== 0) await stripe.subscriptions.update(subId, { cancel_at_period_end: true });
      await fake.advanceTime(seed > 3 ? 40 * DAY : 2 * DAY);
      await fake.waitForDeliveries(20_000);

      const truth = fake.state.subscriptions.get(subId)!;
      const row = await reload(t, user.id);
      expect(row.subscriptionStatus).toBe(truth.status);
      expect(row.stripeSubscriptionId).toBe(subId);
      expect(row.cancelAtPeriodEnd).toBe(truth.cancel_at_period_end);
      expect(row.currentPeriodEnd?.getTime()).toBe(truth.items.data[0].current_period_end * 1000);
      expect(row.plan).toBe(['canceled', 'incomplete_expired'].includes(truth.status) ? null : 'enterprise');
      expect(fake.deliveries.filter((d) => typeof d.status !== 'number' || d.status >= 500)).toEqual([]);

      const statuses = t.app
        .get(RecordingHandlers)
        .billingEvents.filter((e) => e.billableId === String(user.id))
        .map((e) => [e.previous.subscriptionStatus, e.current.subscriptionStatus] as const);
      for (const [before, after] of statuses) {
        if (before && after && before !== after && !(before === 'past_due' && after === 'active')) {
          expect(ORDER.indexOf(after)).toBeGreaterThan(ORDER.indexOf(before));
        }
      }
    } finally {
      await t.close();
      await fake.stop();
    }
  });
});
