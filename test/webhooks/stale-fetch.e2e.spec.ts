import type Stripe from 'stripe';
import { BillingSyncService } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { CHECKOUT_SESSION_EXPAND } from '../../lib/webhooks/sync/billing-sync.service';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { reload, userWithCustomer } from './support/fake-flows';

// Issue 12: fetches now run before the transaction, so two syncs of one billable may overlap. The
// comparison with the stored billing_synced_at, under the row lock, must drop the one that began
// fetching first, whichever commits last.
describeEachDb(['sqlite', 'postgres'])('the older of two fetches never wins on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let t: TestApp;
  let stripe: Stripe;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1213 });
    t = await startTestApp({ db, fake });
    stripe = fake.client();
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await db?.drop();
  });

  it('a checkout session fetched before a plan change, applied after or beside the later fetch, never brings the old plan back', async () => {
    const sync = t.app.get(BillingSyncService);
    const user = await userWithCustomer(t, stripe);
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: user.stripeCustomerId!,
      client_reference_id: String(user.id),
      line_items: [{ price: 'price_pro_month', quantity: 1 }],
      metadata: { billable_id: String(user.id) },
      subscription_data: { metadata: { billable_id: String(user.id) } },
      success_url: 'http://app.test/ok',
      cancel_url: 'http://app.test/cancel',
    });
    const { subscriptionId } = await fake.completeCheckout(session.id, { card: 'success' });
    await fake.waitForDeliveries(15_000);
    expect(await reload(t, user.id)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });

    for (const order of ['older commits last', 'both at once, older first', 'both at once, newer first']) {
      // The older fetch: the session as Stripe has it now, on whatever plan the row holds.
      const before = (await reload(t, user.id)).plan;
      const old = { session: await stripe.checkout.sessions.retrieve(session.id, { expand: CHECKOUT_SESSION_EXPAND }), fetchedAt: new Date() };
      await new Promise((resolve) => setTimeout(resolve, 5));
      const sub = await stripe.subscriptions.retrieve(subscriptionId!);
      const next = before === 'pro' ? 'price_enterprise_month' : 'price_pro_month';
      fake.pauseDeliveries();
      await stripe.subscriptions.update(subscriptionId!, { items: [{ id: sub.items.data[0].id, price: next }] });
      const newer = () => sync.syncSubscription(subscriptionId!);
      const older = () => sync.syncCheckoutSession(session.id, { fetched: old });
      if (order === 'older commits last') {
        await newer();
        await older();
      } else if (order === 'both at once, older first') {
        await Promise.all([older(), newer()]);
      } else {
        await Promise.all([newer(), older()]);
      }
      const expected = before === 'pro' ? 'enterprise' : 'pro';
      expect({ order, plan: (await reload(t, user.id)).plan }).toEqual({ order, plan: expected });
      fake.resumeDeliveries();
      await fake.waitForDeliveries(15_000);
      expect((await reload(t, user.id)).plan).toBe(expected);
    }
  });
});
