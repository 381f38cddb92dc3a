import { AutoTopUp, definePlans, UsageService, WebhookOperations } from '../../lib';
import { PaymentsTransactions } from '../../lib/persistence/payments-transactions';
import { StripeGateway } from '../../lib/stripe/stripe-gateway.service';
import { FakeStripe } from '../../lib/testing';
import { call, customersOf, jwtGuard, openSessionsOf } from '../billing/billing-kit';
import { createProductPrices, testProducts } from '../products/products-kit';
import { startTestApp, TestApp } from '../support/test-app';
import { testPlans } from '../support/test-plans';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { reload } from './support/fake-flows';
import { TransactionProbe } from './support/transaction-probe';

// Plans that can be paused (for POST /pause and /unpause), with no trial so a checkout is paid at once.
const plans = definePlans({
  free: testPlans.free,
  pro: { name: 'Pro', prices: { month: 'price_pro_month', year: 'price_pro_year' }, features: ['basic'], limits: { api_calls: 100 }, pausable: true },
  enterprise: { name: 'Enterprise', priceId: 'price_enterprise_month', features: ['basic', 'sso'], limits: { api_calls: -1 }, pausable: true },
});

// Issue 12 for every route and job that calls Stripe (seats and meters: the -seats-meters file):
// the probe records which Stripe requests were sent by code running inside a transaction.
describeEachDb(['sqlite', 'postgres'])('no Stripe call inside a transaction, any route, on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let t: TestApp;
  let probe: TransactionProbe;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1208 });
    createProductPrices(fake);
    t = await startTestApp({
      db, fake,
      payments: {
        plans, authGuard: jwtGuard, stripeCallBudget: false, products: testProducts,
        autoTopUp: { api_calls: { below: 20, product: 'credits_100' } },
        // Webhooks through the queue's workers, so that their Stripe calls are probed too.
        webhook: { processing: 'queued' }, queue: { retryBaseMs: 5, retryMaxMs: 20 },
      },
    });
    probe = new TransactionProbe(t.app.get(PaymentsTransactions).dataSource, t.app.get(StripeGateway).stripe);
    probe.start();
  });
  afterAll(async () => {
    await t?.app.get(AutoTopUp).settled();
    await t?.close();
    await fake?.stop();
    await db?.drop();
  });

  const settle = () => fake.waitForDeliveries(20_000);
  const ok = async (method: string, path: string, user: number, body?: unknown) => {
    const answer = await call(t, method, path, { user, body });
    expect({ path, status: answer.status, body: answer.status === 200 ? 'ok' : answer.body }).toEqual({ path, status: 200, body: 'ok' });
    return answer.body;
  };

  it('checkout (plans, concurrent, products), status, portal, invoices, upgrade, pause, cancel/resume, auto top-up: no Stripe call inside a transaction', async () => {
    const user = (await t.createUser()).id;
    // Concurrent first checkouts: one customer and one session, each made with no transaction open.
    const first = await Promise.all([0, 1, 2].map(() => call(t, 'POST', 'checkout', { user, body: { plan: 'enterprise' } })));
    expect(first.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(new Set(first.map((a) => a.body.sessionId)).size).toBe(1);
    // Another plan expires the open session and makes a new one.
    const checkout = await ok('POST', 'checkout', user, { plan: 'pro' });
    expect(customersOf(fake, user)).toHaveLength(1);
    expect(openSessionsOf(fake, user)).toEqual([checkout.sessionId]);
    await fake.completeCheckout(checkout.sessionId, { card: 'success' });
    expect((await ok('GET', `checkout/status?session_id=${checkout.sessionId}`, user)).subscription).toMatchObject({ plan: 'pro', status: 'active' });
    await settle();
    // A second checkout while subscribed: 409 after asking Stripe, with no transaction open.
    expect((await call(t, 'POST', 'checkout', { user, body: { plan: 'pro' } })).body.code).toBe('already_subscribed');

    await ok('POST', 'portal', user, {});
    const invoices = await ok('GET', 'invoices', user);
    await ok('GET', `invoices/${invoices.data[0].id}`, user);
    await ok('GET', 'invoices/upcoming', user);
    await ok('POST', 'upgrade', user, { plan: 'enterprise', preview: true });
    await ok('POST', 'upgrade', user, { plan: 'enterprise' });
    await settle();
    await ok('POST', 'pause', user);
    await ok('POST', 'unpause', user);
    await settle();
    await ok('POST', 'cancel', user, {});
    await ok('POST', 'resume', user);
    await settle();
    expect(await reload(t, user)).toMatchObject({ plan: 'enterprise', subscriptionStatus: 'active', cancelAtPeriodEnd: false });

    // A product bought through checkout, then uses that fall below the auto top-up's threshold.
    const buyer = (await t.createUser()).id;
    const pack = await ok('POST', 'checkout', buyer, { product: 'credits_100' });
    await fake.completeCheckout(pack.sessionId, { card: 'success' });
    await settle();
    await t.app.get(UsageService).consume(buyer, 'api_calls', 5);
    await t.app.get(UsageService).consume(buyer, 'api_calls', 90);
    await t.app.get(AutoTopUp).settled();
    expect([...fake.state.paymentIntents.values()].filter((pi) => pi.metadata?.auto_top_up === 'api_calls')).toHaveLength(1);

    expect(probe.kinds()).toEqual(
      expect.arrayContaining([
        'POST /v1/customers', 'GET /v1/checkout/sessions', 'POST /v1/checkout/sessions', 'POST /v1/checkout/sessions/:id/expire', 'GET /v1/subscriptions',
        'POST /v1/billing_portal/sessions', 'GET /v1/invoices', 'POST /v1/subscriptions/:id', 'POST /v1/payment_intents',
      ]),
    );
    expect(probe.violations()).toEqual([]);
  });

  it('operations: customers:link, sync (one, all, check), catch-up and replay make no Stripe call inside a transaction', async () => {
    const ops = t.app.get(WebhookOperations);
    const stripe = fake.client();
    const from = probe.calls.length;
    const adopted = (await t.createUser()).id;
    const customer = await stripe.customers.create({ email: 'adopted@example.test', metadata: { billable_id: String(adopted) } });
    await stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_pro_month' }] });
    expect((await ops.linkCustomers({ apply: true })).links).toEqual(expect.arrayContaining([{ billableId: String(adopted), customerId: customer.id }]));
    expect(await reload(t, adopted)).toMatchObject({ stripeCustomerId: customer.id, plan: 'pro' });
    expect((await ops.resync(String(adopted))).failed).toEqual([]);
    expect((await ops.resyncAll()).failed).toEqual([]);
    await ops.checkDrift();
    await settle();
    await ops.catchUp(new Date(Date.now() - 3_600_000));
    const event = fake.events.find((e) => e.type === 'customer.subscription.created')!;
    await ops.replay(event.id);

    expect(probe.calls.length).toBeGreaterThan(from);
    expect(probe.kinds()).toEqual(expect.arrayContaining(['GET /v1/customers', 'GET /v1/events']));
    expect(probe.violations()).toEqual([]);
  });
});
