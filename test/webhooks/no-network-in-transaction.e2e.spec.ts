import type Stripe from 'stripe';
import { WebhookOperations } from '../../lib';
import { PaymentsTransactions } from '../../lib/persistence/payments-transactions';
import { StripeGateway } from '../../lib/stripe/stripe-gateway.service';
import { FakeStripe } from '../../lib/testing';
import { call, jwtGuard } from '../billing/billing-kit';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { reload } from './support/fake-flows';
import { TransactionProbe } from './support/transaction-probe';

const DAY = 86_400;

// Issue 12: a slow Stripe must hold no connection and no row lock. Every Stripe request the app
// sends while syncing (webhooks of every kind the pipeline handles, checkout/status, cancel and
// resume, a resync, a duplicate subscription cancelled) is sent by code outside any transaction.
describeEachDb(['sqlite', 'postgres'])('no Stripe call inside a database transaction on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let t: TestApp;
  let stripe: Stripe;
  let probe: TransactionProbe;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1207 });
    t = await startTestApp({ db, fake, payments: { authGuard: jwtGuard, stripeCallBudget: false } });
    stripe = fake.client();
    probe = new TransactionProbe(t.app.get(PaymentsTransactions).dataSource, t.app.get(StripeGateway).stripe);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await db?.drop();
  });

  const settle = () => fake.waitForDeliveries(20_000);

  it('checkout → webhooks, status, cancel/resume, a duplicate, past due, resync, deletion: the app makes every Stripe call with no transaction open', async () => {
    const user = await t.createUser();
    // The checkout request itself (lib/billing) is not what this test is about; the sync after it is.
    const checkout = await call(t, 'POST', 'checkout', { user: user.id, body: { plan: 'enterprise' } });
    expect(checkout.status).toBe(200);
    probe.start();

    const paid = await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
    const status = await call(t, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id });
    expect(status).toMatchObject({ status: 200, body: { subscription: { plan: 'enterprise', status: 'active' } } });
    await settle();
    const customer = (await reload(t, user.id)).stripeCustomerId!;

    expect((await call(t, 'POST', 'cancel', { user: user.id })).status).toBe(200);
    expect((await call(t, 'POST', 'resume', { user: user.id })).status).toBe(200);
    await settle();

    // A second live subscription: the sync needs the first one from Stripe and cancels the second.
    const second = await stripe.subscriptions.create({ customer, items: [{ price: 'price_pro_month' }], metadata: { billable_id: String(user.id) } });
    await settle();
    expect((await stripe.subscriptions.retrieve(second.id)).status).toBe('canceled');
    expect(await reload(t, user.id)).toMatchObject({ stripeSubscriptionId: paid.subscriptionId, subscriptionStatus: 'active' });

    fake.setCustomerCard(customer, 'decline');
    await fake.advanceTime(31 * DAY);
    await settle();
    expect(await reload(t, user.id)).toMatchObject({ subscriptionStatus: 'past_due' });

    expect(await t.app.get(WebhookOperations).resync(String(user.id))).toEqual({ synced: 1, failed: [] });
    await stripe.subscriptions.cancel(paid.subscriptionId!);
    await settle();
    expect(await reload(t, user.id)).toMatchObject({ subscriptionStatus: 'canceled', plan: null });
    await stripe.customers.del(customer);
    await settle();
    expect(await reload(t, user.id)).toMatchObject({ stripeCustomerId: null });

    const types = new Set(fake.events.map((e) => e.type));
    for (const type of ['checkout.session.completed', 'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted', 'invoice.paid', 'invoice.payment_failed', 'customer.deleted']) {
      expect(types).toContain(type);
    }
    // Every kind of fetch the sync makes was exercised, inside transactions that did the writes.
    expect(probe.kinds()).toEqual(
      expect.arrayContaining(['GET /v1/checkout/sessions/:id', 'GET /v1/subscriptions/:id', 'GET /v1/invoices/:id', 'GET /v1/customers/:id', 'GET /v1/subscriptions', 'DELETE /v1/subscriptions/:id']),
    );
    expect(probe.transactions).toBeGreaterThan(10);
    expect(probe.violations()).toEqual([]);
  });
});
