import { FakeStripe } from '../../lib/testing';
import { testHttpAdapter } from '../support/http-adapter';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { call, customersOf, jwtGuard, openSessionsOf, stripeCallsDuring } from './billing-kit';

describe.each(testDatabases())('billing checkout on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 4 });
    app = await startTestApp({ db, fake, payments: { authGuard: jwtGuard } });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  it('GET /plans is public and lists keys, features, limits and Stripe amounts without price ids', async () => {
    const res = await call(app, 'GET', 'plans');
    expect(res.status).toBe(200);
    expect(res.body.plans.map((p: { key: string }) => p.key)).toEqual(['free', 'pro', 'enterprise']);
    const pro = res.body.plans[1];
    expect(pro).toEqual({
      key: 'pro', name: 'Pro', description: null, features: ['basic', 'advanced_exports'], limits: { api_calls: 100, exports: 10 }, trialDays: 14, free: false,
      prices: [{ interval: 'month', amount: 1500, currency: 'usd' }, { interval: 'year', amount: 15000, currency: 'usd' }],
    });
    expect(res.body.plans[0]).toMatchObject({ key: 'free', free: true, prices: [] });
    expect(JSON.stringify(res.body)).not.toContain('price_');
    // Cached: a second call asks Stripe nothing.
    const calls = await stripeCallsDuring(fake, () => call(app, 'GET', 'plans'));
    expect(calls).toEqual([]);
  });

  it('GET /subscription needs auth and answers the free plan for a new billable', async () => {
    expect((await call(app, 'GET', 'subscription')).status).toBe(401);
    const user = await app.createUser();
    const res = await call(app, 'GET', 'subscription', { user: user.id });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      plan: 'free', planName: 'Free', status: null, active: false, onTrial: false, onGracePeriod: false, cancelAtPeriodEnd: false,
      cancelAt: null, currentPeriodEnd: null, trialEnd: null, features: ['basic'], limits: { api_calls: 5, exports: 0 },
    });
  });

  it('POST /checkout creates one customer and a session with the plan price, the trial and our references', async () => {
    const user = await app.createUser('checkout@example.test');
    const res = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/checkout\/cs_/), sessionId: expect.stringMatching(/^cs_test_/) });
    const session = fake.state.checkoutSessions.get(res.body.sessionId)!;
    const [customer] = customersOf(fake, user.id);
    expect(customersOf(fake, user.id)).toHaveLength(1);
    expect(fake.state.customers.get(customer)!.email).toBe('checkout@example.test');
    expect(session).toMatchObject({
      mode: 'subscription', customer, client_reference_id: String(user.id), success_url: 'http://app.test/billing/success?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'http://app.test/billing/cancel', metadata: { billable_id: String(user.id), plan: 'pro', price: 'price_pro_month' },
    });
    const row = await app.dataSource.query(`SELECT stripe_customer_id FROM users WHERE id = ${user.id}`);
    expect(row[0].stripe_customer_id).toBe(customer);
  });

  it('accepts an allowed path and an allowed-origin URL as redirects', async () => {
    const user = await app.createUser();
    const res = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'enterprise', successUrl: '/done?s={CHECKOUT_SESSION_ID}', cancelUrl: 'http://app.test/pricing' } });
    expect(res.status).toBe(200);
    const session = fake.state.checkoutSessions.get(res.body.sessionId)!;
    expect(session.success_url).toBe('http://app.test/done?s={CHECKOUT_SESSION_ID}');
    expect(session.cancel_url).toBe('http://app.test/pricing');
  });

  it('10 concurrent checkouts from one billable give one session and one customer', async () => {
    const user = await app.createUser();
    const answers = await Promise.all(Array.from({ length: 10 }, () => call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro', interval: 'year' } })));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(new Set(answers.map((a) => a.body.sessionId)).size).toBe(1);
    expect(openSessionsOf(fake, user.id)).toEqual([answers[0].body.sessionId]);
    expect(customersOf(fake, user.id)).toHaveLength(1);
  });

  it('switching plans expires the old open session, so two payable sessions never coexist', async () => {
    const user = await app.createUser();
    const first = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    const second = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'enterprise' } });
    const back = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    expect([first.status, second.status, back.status]).toEqual([200, 200, 200]);
    expect(new Set([first.body.sessionId, second.body.sessionId, back.body.sessionId]).size).toBe(3);
    expect(fake.state.checkoutSessions.get(first.body.sessionId)!.status).toBe('expired');
    expect(fake.state.checkoutSessions.get(second.body.sessionId)!.status).toBe('expired');
    expect(openSessionsOf(fake, user.id)).toEqual([back.body.sessionId]);
  });

  it('a new successUrl or cancelUrl gets a new session instead of the open one; the same ones reuse it', async () => {
    const user = await app.createUser();
    const first = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro', successUrl: '/a' } });
    const again = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro', successUrl: '/a' } });
    expect(again.body.sessionId).toBe(first.body.sessionId);
    const moved = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro', successUrl: '/b' } });
    const cancelMoved = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro', successUrl: '/b', cancelUrl: '/pricing' } });
    expect(new Set([first.body.sessionId, moved.body.sessionId, cancelMoved.body.sessionId]).size).toBe(3);
    expect(fake.state.checkoutSessions.get(first.body.sessionId)!.status).toBe('expired');
    expect(fake.state.checkoutSessions.get(moved.body.sessionId)!.status).toBe('expired');
    expect(fake.state.checkoutSessions.get(cancelMoved.body.sessionId)).toMatchObject({ status: 'open', success_url: 'http://app.test/b', cancel_url: 'http://app.test/pricing' });
    expect(openSessionsOf(fake, user.id)).toEqual([cancelMoved.body.sessionId]);
  });

  it('redirect URLs match allowed origins whatever the case of scheme and host, and reach Stripe lowercased', async () => {
    const user = await app.createUser();
    const res = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro', successUrl: 'HTTP://APP.Test/Done?s={CHECKOUT_SESSION_ID}' } });
    expect(res.status).toBe(200);
    expect(fake.state.checkoutSessions.get(res.body.sessionId)!.success_url).toBe('http://app.test/Done?s={CHECKOUT_SESSION_ID}');
    // The same redirect in other letters is the same redirect: the open session is reused.
    const again = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro', successUrl: 'http://app.test/Done?s={CHECKOUT_SESSION_ID}' } });
    expect(again.body.sessionId).toBe(res.body.sessionId);
  });

  it('gives the trial once: no trial for a billable that already used one', async () => {
    const fresh = await app.createUser();
    const used = await app.createUser();
    await app.dataSource.query(`UPDATE users SET trial_used = ${kind === 'postgres' ? 'true' : '1'} WHERE id = ${used.id}`);
    const a = await call(app, 'POST', 'checkout', { user: fresh.id, body: { plan: 'pro' } });
    const b = await call(app, 'POST', 'checkout', { user: used.id, body: { plan: 'pro' } });
    const trialing = fake.state.subscriptions.get((await fake.completeCheckout(a.body.sessionId)).subscriptionId!)!;
    const paid = fake.state.subscriptions.get((await fake.completeCheckout(b.body.sessionId)).subscriptionId!)!;
    expect(trialing.status).toBe('trialing');
    expect(trialing.trial_end! - fake.now()).toBe(14 * 86_400);
    expect(paid.status).toBe('active');
    expect(paid.trial_end).toBeNull();
  });

  describe('rejected requests make no Stripe call (R10)', () => {
    let userId: number;
    // A user per case: each rejected request is charged to its caller's Stripe call budget, and
    // 25 checkouts from one user in a few seconds would rightly be refused with 429.
    beforeEach(async () => {
      userId = (await app.createUser()).id;
    });
    // Webhooks from earlier tests make the app call Stripe in the background; let them settle.
    beforeEach(() => fake.waitForDeliveries());

    it.each([
      ['unknown plan', { plan: 'platinum' }, 400, 'invalid_plan'],
      ['raw price id', { plan: 'price_pro_month' }, 400, 'invalid_plan'],
      ['interval the plan does not sell', { plan: 'enterprise', interval: 'year' }, 400, 'invalid_plan'],
      ['free plan', { plan: 'free' }, 400, 'free_plan_checkout'],
      ['bogus interval', { plan: 'pro', interval: 'fortnight' }, 400, 'invalid_request'],
      ['missing plan', {}, 400, 'invalid_request'],
      ['plan not a string', { plan: ['pro'] }, 400, 'invalid_request'],
      ['client-set trial', { plan: 'pro', trial_period_days: 365 }, 400, 'invalid_request'],
      ['client-set coupon', { plan: 'pro', coupon: 'FREE100' }, 400, 'invalid_request'],
      ['client-set price', { plan: 'pro', price: 'price_enterprise_month' }, 400, 'invalid_request'],
      ['quantity 0', { plan: 'pro', quantity: 0 }, 400, 'plan_without_seats'],
      ['quantity -1', { plan: 'pro', quantity: -1 }, 400, 'plan_without_seats'],
      ['quantity 1e9', { plan: 'pro', quantity: 1e9 }, 400, 'plan_without_seats'],
      ['someone else as customer', { plan: 'pro', customer: 'cus_other' }, 400, 'invalid_request'],
      ['redirect //evil.com', { plan: 'pro', successUrl: '//evil.com' }, 400, 'invalid_redirect'],
      ['redirect look-alike host', { plan: 'pro', successUrl: 'https://app.test.evil.com/x' }, 400, 'invalid_redirect'],
      ['redirect look-alike http host', { plan: 'pro', cancelUrl: 'http://app.test.evil.com' }, 400, 'invalid_redirect'],
      ['redirect javascript:', { plan: 'pro', successUrl: 'javascript:alert(1)' }, 400, 'invalid_redirect'],
      ['redirect /\\evil.com', { plan: 'pro', cancelUrl: '/\\evil.com' }, 400, 'invalid_redirect'],
      ['redirect foreign origin', { plan: 'pro', successUrl: 'https://evil.com/' }, 400, 'invalid_redirect'],
    ])('%s', async (_name, body, status, code) => {
      let res!: Awaited<ReturnType<typeof call>>;
      const calls = await stripeCallsDuring(fake, async () => (res = await call(app, 'POST', 'checkout', { user: userId, body })));
      expect(res.status).toBe(status);
      expect(res.body.code).toBe(code);
      expect(calls).toEqual([]);
    });

    it('lists the invalid fields of a 400 invalid_request', async () => {
      const res = await call(app, 'POST', 'checkout', { user: userId, body: { plan: 'pro', coupon: 'X' } });
      expect(res.body).toMatchObject({ statusCode: 400, code: 'invalid_request', errors: [{ field: 'coupon', messages: [expect.stringContaining('should not exist')] }] });
    });

    it.each([['__proto__', '{"plan":"pro","__proto__":{"trial_period_days":365}}'], ['constructor', '{"plan":"pro","constructor":{"prototype":{"x":1}}}']])(
      'refuses a body with a %s key instead of silently dropping it',
      async (key, raw) => {
        let res!: Awaited<ReturnType<typeof call>>;
        const calls = await stripeCallsDuring(fake, async () => (res = await call(app, 'POST', 'checkout', { user: userId, rawBody: raw })));
        expect(res.status).toBe(400);
        // Fastify's own JSON parser refuses such keys (onProtoPoisoning: 'error') before any route runs.
        if (testHttpAdapter() === 'fastify') expect(res.body.message).toContain('not valid JSON');
        else expect(res.body).toMatchObject({ code: 'invalid_request', errors: [{ field: key }] });
        expect(calls).toEqual([]);
      },
    );

    it.each([['[]'], ['"pro"'], ['{"plan":']])('refuses the body %s', async (raw) => {
      let res!: Awaited<ReturnType<typeof call>>;
      const calls = await stripeCallsDuring(fake, async () => (res = await call(app, 'POST', 'checkout', { user: userId, rawBody: raw })));
      expect(res.status).toBe(400);
      expect(calls).toEqual([]);
    });

    it('refuses an unauthenticated checkout with 401', async () => {
      let res!: Awaited<ReturnType<typeof call>>;
      const calls = await stripeCallsDuring(fake, async () => (res = await call(app, 'POST', 'checkout', { body: { plan: 'pro' } })));
      expect(res.status).toBe(401);
      expect(calls).toEqual([]);
    });
  });
});
