import { BillingService, definePlans, PaymentsException } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { customersOf, stripeCallsDuring } from '../billing/billing-kit';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase, testDatabases } from '../support/test-databases';

/** A catalogue whose entry plan is sold at a $0 price, so every billable is a Stripe customer. */
const zeroPricePlans = definePlans({
  starter: { name: 'Starter', priceId: 'price_starter_zero', features: ['basic'], limits: { api_calls: 5 } },
  pro: { name: 'Pro', prices: { month: 'price_pro_month' }, features: ['basic', 'advanced_exports'] },
});

/** A mistake: the cheapest plan costs money, so enrolling would bill people who never agreed to pay. */
const paidEntryPlans = definePlans({ pro: { name: 'Pro', prices: { month: 'price_pro_month' } } });

describe.each(testDatabases())('enrol on signup on %s', (kind) => {
  let fake: FakeStripe;
  const dbs: TestDatabase[] = [];
  const apps: TestApp[] = [];

  /** An app on its own database; the prices are seeded once (by the first), each app hears the webhooks. */
  async function boot(payments: Parameters<typeof startTestApp>[0]['payments']): Promise<TestApp> {
    const db = await createTestDatabase(kind);
    dbs.push(db);
    const app = await startTestApp({ db, fake, payments: { authGuard: null, ...payments }, registerWithFake: apps.length === 0 });
    if (apps.length > 0) fake.addWebhookEndpoint(`${app.url}/api/payments/webhook`);
    apps.push(app);
    return app;
  }

  let zeroApp: TestApp | undefined;
  const zeroPriceApp = async () => (zeroApp ??= await boot({ plans: zeroPricePlans }));

  beforeAll(async () => {
    fake = await FakeStripe.start({ seed: 31 });
    fake.createPrice({ id: 'price_starter_zero', unitAmount: 0, interval: 'month', productName: 'Starter' });
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await fake?.stop();
    for (const db of dbs) await db.drop();
  });

  it('a free plan without a price: no Stripe call, nothing written, the same answer every time', async () => {
    const app = await boot({});
    const billing = app.app.get(BillingService);
    const user = await app.createUser();
    const before = await app.dataSource.query(`SELECT * FROM users WHERE id = ${user.id}`);
    let views: unknown[] = [];
    const calls = await stripeCallsDuring(fake, async () => {
      views = [await billing.enrol(String(user.id), { email: 'a@example.test', name: 'Ada' }), await billing.enrol(String(user.id))];
    });
    expect(calls).toEqual([]);
    expect(views[0]).toMatchObject({ plan: 'free', active: false, status: null, limits: { api_calls: 5 } });
    expect(views[1]).toEqual(views[0]);
    expect(await app.dataSource.query(`SELECT * FROM users WHERE id = ${user.id}`)).toEqual(before);
    expect(customersOf(fake, user.id)).toEqual([]);
    await expect(billing.enrol('999999')).rejects.toMatchObject({ constructor: PaymentsException, code: 'billable_not_found' });
  });

  it('a $0 entry price: concurrent enrols make one customer (named as given) and one subscription; later calls change nothing', async () => {
    const app = await zeroPriceApp();
    const billing = app.app.get(BillingService);
    const user = await app.createUser();
    const [first, second] = await Promise.all([
      billing.enrol(String(user.id), { email: 'founder@acme.test', name: 'Acme Ltd' }),
      billing.enrol(String(user.id), { email: 'founder@acme.test', name: 'Acme Ltd' }),
    ]);
    expect(first).toMatchObject({ plan: 'starter', status: 'active', active: true });
    expect(second).toMatchObject({ plan: 'starter', status: 'active', active: true });
    const [stored] = await app.dataSource.query(`SELECT stripe_customer_id FROM users WHERE id = ${user.id}`);
    const customers = [...fake.state.customers.values()].filter((c) => c.metadata?.billable_id === String(user.id) && c.email === 'founder@acme.test').map((c) => c.id);
    expect(customers).toEqual([stored.stripe_customer_id]);
    expect(fake.state.customers.get(customers[0])).toMatchObject({ email: 'founder@acme.test', name: 'Acme Ltd' });
    const subscriptionsOf = () => [...fake.state.subscriptions.values()].filter((s) => s.customer === customers[0]);
    expect(subscriptionsOf()).toHaveLength(1);
    expect(subscriptionsOf()[0].items.data.map((item) => item.price.id)).toEqual(['price_starter_zero']);

    await fake.waitForDeliveries();
    const creates = await stripeCallsDuring(fake, () => billing.enrol(String(user.id), { email: 'other@acme.test' }));
    expect(creates.filter((c) => c.method === 'POST')).toEqual([]);
    expect(subscriptionsOf()).toHaveLength(1);
    const [row] = await app.dataSource.query(`SELECT plan, subscription_status, stripe_customer_id FROM users WHERE id = ${user.id}`);
    expect(row).toEqual({ plan: 'starter', subscription_status: 'active', stripe_customer_id: customers[0] });
  });

  it('a $0 entry price: a create whose answer was lost is retried with the same key and the next enrol creates nothing', async () => {
    const app = await zeroPriceApp();
    const billing = app.app.get(BillingService);
    const user = await app.createUser();
    // Stripe creates the subscription but the answer never arrives.
    fake.faults.dropResponseNext({ method: 'POST', path: '/v1/subscriptions' }, 1);
    const first = await stripeCallsDuring(fake, () => billing.enrol(String(user.id)).catch(() => null));
    const creates = first.filter((c) => c.method === 'POST' && c.path === '/v1/subscriptions');
    expect(creates.length).toBeGreaterThanOrEqual(1);
    expect(new Set(creates.map((c) => c.idempotencyKey)).size).toBe(1);
    const again = await stripeCallsDuring(fake, () => billing.enrol(String(user.id)));
    expect(again.filter((c) => c.method === 'POST')).toEqual([]);
    const [row] = await app.dataSource.query(`SELECT stripe_customer_id FROM users WHERE id = ${user.id}`);
    expect([...fake.state.customers.values()].filter((c) => c.email === user.email).map((c) => c.id)).toEqual([row.stripe_customer_id]);
    expect([...fake.state.subscriptions.values()].filter((s) => s.customer === row.stripe_customer_id)).toHaveLength(1);
    expect(await billing.getSubscription(String(user.id))).toMatchObject({ plan: 'starter', active: true });
  });

  it('a cheapest plan that costs money is refused before any customer exists', async () => {
    const app = await boot({ plans: paidEntryPlans });
    const user = await app.createUser();
    const calls = await stripeCallsDuring(fake, () => expect(app.app.get(BillingService).enrol(String(user.id))).rejects.toThrow(/not 0/));
    expect(calls.filter((c) => c.method === 'POST')).toEqual([]);
    expect([...fake.state.customers.values()].filter((c) => c.email === user.email)).toEqual([]);
  });
});

/** Across processes (PostgreSQL, MariaDB) nothing is queued: the row lock makes one customer, the idempotency key one subscription. */
describeEachDb(['postgres', 'mariadb'])('enrol on two instances on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 32 });
    fake.createPrice({ id: 'price_starter_zero', unitAmount: 0, interval: 'month', productName: 'Starter' });
    a = await startTestApp({ db, fake, payments: { authGuard: null, plans: zeroPricePlans } });
    b = await startTestApp({ db, fake, synchronize: false, registerWithFake: false, payments: { authGuard: null, plans: zeroPricePlans } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await fake?.stop();
    await db?.drop();
  });

  it('6 concurrent enrols split over two instances make one customer and one subscription', async () => {
    const user = await a.createUser();
    // A call may lose the race at Stripe (409 on a key in use): the app retries it, and no second subscription exists.
    await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? b : a).app.get(BillingService).enrol(String(user.id)).catch(() => null)));
    expect(await a.app.get(BillingService).enrol(String(user.id))).toMatchObject({ plan: 'starter', active: true });
    const customers = customersOf(fake, user.id);
    expect(customers).toHaveLength(1);
    expect([...fake.state.subscriptions.values()].filter((s) => s.customer === customers[0])).toHaveLength(1);
  });
});
