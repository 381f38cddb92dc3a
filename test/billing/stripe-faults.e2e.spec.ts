import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { call, customersOf, jwtGuard, openSessionsOf } from './billing-kit';

/** R8: Stripe failing during checkout gives a clean 503, the same idempotency key on retry, and no duplicates. */
describe.each(testDatabases())('billing under Stripe faults on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 8 });
    // startTestApp sets a 2 s Stripe timeout and no SDK retries, so each fault reaches us.
    app = await startTestApp({ db, fake, payments: { authGuard: jwtGuard } });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  const customerCreates = (from: number) => fake.requests.slice(from).filter((r) => r.method === 'POST' && r.path === '/v1/customers');
  const sessionCreates = (from: number) => fake.requests.slice(from).filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions');

  it.each([
    ['500', false, (f: FakeStripe) => f.faults.failNext({ method: 'POST', path: '/v1/customers' }, 1, { status: 500 })],
    ['429', false, (f: FakeStripe) => f.faults.failNext({ method: 'POST', path: '/v1/customers' }, 1, { status: 429 })],
    ['a timeout', true, (f: FakeStripe) => f.faults.hangNext({ method: 'POST', path: '/v1/customers' }, 1, 2500)],
    ['a lost response', true, (f: FakeStripe) => f.faults.dropResponseNext({ method: 'POST', path: '/v1/customers' }, 1)],
  ])('customer creation failing with %s answers 503 and the retry makes no second customer', async (name, createdAnyway, arm) => {
    const user = await app.createUser();
    const from = fake.requests.length;
    arm(fake);
    const failed = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    if (failed.status === 200) {
      // stripe-node itself resent the request whose answer was lost, with the same key: Stripe replayed it.
      expect(name).toBe('a lost response');
    } else {
      expect(failed.body).toEqual({ statusCode: 503, code: 'stripe_unavailable', message: expect.any(String) });
      const row = await app.dataSource.query(`SELECT stripe_customer_id FROM users WHERE id = ${user.id}`);
      expect(row[0].stripe_customer_id).toBeNull();
    }
    // The user retries once Stripe has finished the first attempt (during it, Stripe answers "in progress").
    if (createdAnyway) await until(() => customersOf(fake, user.id).length === 1);
    const retried = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    expect(retried.status).toBe(200);
    expect(customersOf(fake, user.id)).toHaveLength(1);
    const keys = customerCreates(from).map((r) => r.idempotencyKey);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(new Set(keys).size).toBe(1);
    expect(openSessionsOf(fake, user.id)).toEqual([retried.body.sessionId]);
  });

  it.each([
    ['500', false, (f: FakeStripe) => f.faults.failNext({ method: 'POST', path: '/v1/checkout/sessions' }, 1, { status: 500 })],
    ['a timeout', true, (f: FakeStripe) => f.faults.hangNext({ method: 'POST', path: '/v1/checkout/sessions' }, 1, 2500)],
    ['a lost response', true, (f: FakeStripe) => f.faults.dropResponseNext({ method: 'POST', path: '/v1/checkout/sessions' }, 1)],
  ])('session creation failing with %s answers 503 and the retry leaves one open session', async (name, createdAnyway, arm) => {
    const user = await app.createUser();
    await call(app, 'POST', 'portal', { user: user.id }); // no customer yet: 400, nothing created
    const from = fake.requests.length;
    arm(fake);
    const failed = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    // A lost answer may be resent by stripe-node itself with the same key (then Stripe replays it).
    if (failed.status === 200) expect(name).toBe('a lost response');
    else expect(failed.body.code).toBe('stripe_unavailable');
    if (createdAnyway) await until(() => openSessionsOf(fake, user.id).length === 1);
    const retried = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    expect(retried.status).toBe(200);
    expect(openSessionsOf(fake, user.id)).toEqual([retried.body.sessionId]);
    const creates = sessionCreates(from);
    // Either the retry replays the same key, or it found the session the lost answer had created.
    expect(new Set(creates.map((r) => r.idempotencyKey)).size).toBe(1);
  });

  it('GET /plans still answers when Stripe is down: free plans whole, paid amounts null', async () => {
    const down = await startTestApp({
      db: await createTestDatabase('sqlite'),
      registerWithFake: false,
      payments: { authGuard: jwtGuard, secretKey: 'sk_test_down', stripeClientOptions: { host: '127.0.0.1', port: 9, protocol: 'http' } },
    });
    try {
      const res = await call(down, 'GET', 'plans');
      expect(res.status).toBe(200);
      expect(res.body.plans[0]).toMatchObject({ key: 'free', free: true, prices: [] });
      expect(res.body.plans[1].prices).toEqual([{ interval: 'month', amount: null, currency: 'usd' }, { interval: 'year', amount: null, currency: 'usd' }]);
    } finally {
      await down.close();
    }
  });

  it('a user cannot pay two sessions: the first is expired when another plan is chosen', async () => {
    const user = await app.createUser();
    const a = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    const b = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'enterprise' } });
    await expect(fake.completeCheckout(a.body.sessionId)).rejects.toThrow(/can no longer be paid/);
    await fake.completeCheckout(b.body.sessionId);
    const live = [...fake.state.subscriptions.values()].filter((s) => s.metadata?.billable_id === String(user.id) && s.status !== 'canceled');
    expect(live).toHaveLength(1);
    await fake.waitForDeliveries();
  });
});

/** Waits for a condition on the fake's state (a wall-clock wait only where Stripe itself is still working). */
async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
