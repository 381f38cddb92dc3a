import type { CheckoutParamsHook } from '../../lib/billing/checkout-params';
import { FakeStripe } from '../../lib/testing';
import { RecordedRequest } from '../../lib/testing/fake-stripe.types';
import { LogCapture } from '../support/log-capture';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { call, jwtGuard, stripeCallsDuring } from './billing-kit';

describe.each(testDatabases())('checkout options on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;
  const logs = new LogCapture();
  /** What the hook answers next; each test sets it. */
  let answer: ReturnType<CheckoutParamsHook> = undefined;
  const seen: { billable: unknown; plan: string; caller: unknown }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 154 });
    app = await startTestApp({
      db,
      fake,
      logger: logs,
      payments: {
        authGuard: jwtGuard,
        allowPromotionCodes: true,
        checkoutParams: (billable, plan, req) => {
          seen.push({ billable: (billable as { id?: unknown }).id, plan: plan.key, caller: (req as { user?: { id?: unknown } }).user?.id });
          return answer;
        },
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  const sessionCreates = <T extends { method: string; path: string }>(calls: T[]): T[] => calls.filter((c) => c.method === 'POST' && c.path === '/v1/checkout/sessions');

  it('merges what the hook returns into the session, with the billable, the plan and the request', async () => {
    answer = {
      allow_promotion_codes: true,
      automatic_tax: { enabled: true },
      tax_id_collection: { enabled: true },
      billing_address_collection: 'required',
      locale: 'fr',
      custom_text: { submit: { message: 'Merci' } },
    };
    const user = await app.createUser();
    let res: any;
    const calls = await stripeCallsDuring(fake, async () => {
      res = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    });
    expect(res.status).toBe(200);
    expect(seen.at(-1)).toEqual({ billable: user.id, plan: 'pro', caller: user.id });
    const [create] = sessionCreates(calls as RecordedRequest[]);
    expect(create.params).toMatchObject({
      allow_promotion_codes: 'true', automatic_tax: { enabled: 'true' }, tax_id_collection: { enabled: 'true' },
      billing_address_collection: 'required', locale: 'fr', custom_text: { submit: { message: 'Merci' } },
      mode: 'subscription', client_reference_id: String(user.id),
    });
    expect(fake.state.checkoutSessions.get(res.body.sessionId)).toMatchObject({ allow_promotion_codes: true, locale: 'fr' });
  });

  it.each([
    ['line_items', { line_items: [{ price: 'price_enterprise_month', quantity: 1 }] }],
    ['customer', { customer: 'cus_someone_else' }],
    ['mode', { mode: 'payment' }],
    ['subscription_data', { subscription_data: { trial_period_days: 90 } }],
    ['success_url', { success_url: 'https://evil.example/' }],
    ['client_reference_id', { client_reference_id: '1' }],
    ['metadata', { metadata: { billable_id: '1' } }],
  ])('a hook that sets %s stops the checkout with 500 checkout_params_invalid, before any Stripe call, logged once', async (key, params) => {
    answer = params as never;
    const user = await app.createUser();
    const before = logs.messages('error').filter((m) => m.includes(`returned ${key}`)).length;
    const calls = await stripeCallsDuring(fake, async () => {
      for (let i = 0; i < 2; i++) {
        const res = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ statusCode: 500, code: 'checkout_params_invalid', message: expect.any(String) });
        expect(JSON.stringify(res.body)).not.toContain(key);
      }
    });
    expect(calls).toEqual([]);
    expect(logs.messages('error').filter((m) => m.includes(`returned ${key}`)).length - before).toBe(1);
  });

  it('a valid promotion code is applied as a discount (and replaces the code field); an unknown or inactive one is 400 with no session', async () => {
    answer = { allow_promotion_codes: true };
    const stripe = fake.client();
    const coupon = await stripe.coupons.create({ percent_off: 25, duration: 'once' });
    const promo = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: `WELCOME${kind.toUpperCase()}` });
    const off = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: `OLD${kind.toUpperCase()}`, active: false });
    const user = await app.createUser();

    const res = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro', promotionCode: promo.code.toLowerCase() } });
    expect(res.status).toBe(200);
    const session = fake.state.checkoutSessions.get(res.body.sessionId)!;
    expect(session.discounts).toEqual([{ coupon: null, promotion_code: promo.id }]);
    expect(session.allow_promotion_codes).toBeNull();
    // The same request again reuses the session; without the code it is a new one.
    expect((await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro', promotionCode: promo.code } })).body.sessionId).toBe(res.body.sessionId);
    const plain = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    expect(plain.body.sessionId).not.toBe(res.body.sessionId);

    for (const code of ['NOSUCHCODE', off.code]) {
      const calls = await stripeCallsDuring(fake, async () => {
        const refused = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro', promotionCode: code } });
        expect(refused.status).toBe(400);
        expect(refused.body).toEqual({ statusCode: 400, code: 'promotion_code_invalid', message: 'This promotion code is not valid.' });
      });
      expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /v1/promotion_codes']);
    }
  });

  it.each([[''], ['has space'], ['x'.repeat(65)], [42]])('promotionCode %p is refused with 400 invalid_request before any Stripe call', async (promotionCode) => {
    const user = await app.createUser();
    const calls = await stripeCallsDuring(fake, async () => {
      const res = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro', promotionCode } });
      expect([res.status, res.body.code]).toEqual([400, 'invalid_request']);
    });
    expect(calls).toEqual([]);
  });

  it('without allowPromotionCodes a promotionCode is refused as a field the client may not set', async () => {
    const strict = await startTestApp({ db, fake, registerWithFake: false, payments: { authGuard: jwtGuard } });
    try {
      const user = await strict.createUser();
      const calls = await stripeCallsDuring(fake, async () => {
        const res = await call(strict, 'POST', 'checkout', { user: user.id, body: { plan: 'pro', promotionCode: 'WELCOME' } });
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ code: 'invalid_request', errors: [{ field: 'promotionCode' }] });
      });
      expect(calls).toEqual([]);
    } finally {
      await strict.close();
    }
  });
});
