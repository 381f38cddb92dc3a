import type Stripe from 'stripe';
import { WebhookOperations } from '../../lib';
import { BillableStore } from '../../lib/persistence/billable-store';
import { FakeStripe } from '../../lib/testing';
import { call, jwtGuard } from '../billing/billing-kit';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { reload } from './support/fake-flows';
import { postWebhook } from './support/webhook-helpers';

// Issue 10 (from item 7): a checkout/status poll or a sync that finds the state as stored writes
// nothing: billing_version stays put and no cache is told to drop the billable.
describeEachDb(['sqlite', 'postgres'])('syncs that change nothing on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let t: TestApp;
  let stripe: Stripe;
  const changed: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 71 });
    // The test polls on purpose (20 status calls at 3 Stripe calls each), past the default budget.
    // Inline: the test asserts the route's own 'processed' answer for each fresh event.
    t = await startTestApp({ db, fake, payments: { authGuard: jwtGuard, stripeCallBudget: { limit: 1000 }, webhook: { processing: 'inline' } } });
    stripe = fake.client();
    t.app.get(BillableStore).onChange((id) => changed.push(id));
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await db?.drop();
  });

  const settle = () => fake.waitForDeliveries(15_000);

  it('20 checkout/status polls, 10 fresh events about the same subscription and 5 resyncs leave billing_version as it was; a real change still bumps it', async () => {
    const user = await t.createUser();
    const checkout = await call(t, 'POST', 'checkout', { user: user.id, body: { plan: 'enterprise' } });
    expect(checkout.status).toBe(200);
    const paid = await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
    await settle();
    const synced = await reload(t, user.id);
    expect(synced).toMatchObject({ plan: 'enterprise', subscriptionStatus: 'active' });
    const version = synced.billingVersion;
    const notified = changed.length;

    for (let i = 0; i < 20; i++) {
      const status = await call(t, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id });
      expect(status).toMatchObject({ status: 200, body: { subscription: { plan: 'enterprise', status: 'active' } } });
    }
    expect((await reload(t, user.id)).billingVersion).toBe(version);

    // Stripe sends several events about one object; each one re-fetches it and finds nothing new.
    const updated = fake.events.find((e) => e.type === 'customer.subscription.created' && (e.data.object as Stripe.Subscription).id === paid.subscriptionId)!;
    for (let i = 0; i < 10; i++) {
      const again = { ...updated, id: `${updated.id}_again_${i}`, type: 'customer.subscription.updated' };
      expect(await postWebhook(t.url, JSON.stringify(again), { secret: fake.webhookSecret })).toEqual({ status: 200, json: { received: true, outcome: 'processed' } });
    }
    const ops = t.app.get(WebhookOperations);
    for (let i = 0; i < 5; i++) expect(await ops.resync(String(user.id))).toEqual({ synced: 1, failed: [] });
    expect((await reload(t, user.id)).billingVersion).toBe(version);
    expect(changed.slice(notified)).toEqual([]);

    await stripe.subscriptions.update(paid.subscriptionId!, { cancel_at_period_end: true });
    await settle();
    expect(await reload(t, user.id)).toMatchObject({ cancelAtPeriodEnd: true, billingVersion: version + 1 });
    expect(changed.slice(notified)).toEqual([String(user.id)]);
  });
});
