import type Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { call, customersOf, jwtGuard, stripeCallsDuring } from './billing-kit';

describe.each(testDatabases())('promotion codes on plan changes, tax ids on the customer, on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;
  let stripe: Stripe;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 315 });
    app = await startTestApp({
      db,
      fake,
      payments: {
        authGuard: jwtGuard,
        allowPromotionCodes: true,
        now: () => new Date(fake.now() * 1000),
        customerDetails: () => ({ name: 'Acme GmbH', address: { country: 'DE', city: 'Berlin' }, taxIds: [{ type: 'eu_vat', value: 'DE123456789' }] }),
      },
    });
    stripe = fake.client();
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  async function subscribedToPro(plan = 'pro'): Promise<number> {
    const user = await app.createUser();
    await app.dataSource.query(`UPDATE users SET trial_used = ${kind === 'sqlite' ? '1' : 'true'} WHERE id = ${user.id}`);
    const checkout = await call(app, 'POST', 'checkout', { user: user.id, body: { plan } });
    await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
    await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id });
    await fake.waitForDeliveries();
    return user.id;
  }

  const invoicesOf = (user: number) => {
    const [customer] = customersOf(fake, user);
    return [...fake.state.invoices.values()].filter((i) => i.customer === customer);
  };
  const writes = <T extends { method: string }>(calls: T[]) => calls.filter((c) => c.method !== 'GET');

  it('an upgrade with a valid code charges the proration less the discount, previewed exactly', async () => {
    const coupon = await stripe.coupons.create({ percent_off: 25, duration: 'once' });
    const promo = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: `UPGRADE${kind.toUpperCase()}` });
    const user = await subscribedToPro();
    await fake.advanceTime(10 * 86_400);

    const plain = (await call(app, 'POST', 'upgrade', { user, body: { plan: 'enterprise', preview: true } })).body.preview;
    let discounted: any;
    const calls = await stripeCallsDuring(fake, async () => {
      const res = await call(app, 'POST', 'upgrade', { user, body: { plan: 'enterprise', preview: true, promotionCode: promo.code.toLowerCase() } });
      expect(res.status).toBe(200);
      discounted = res.body.preview;
    });
    expect(writes(calls).map((c) => c.path)).toEqual(['/v1/invoices/create_preview']);
    // 25% off each charged line; the credit for the unused time is not discounted.
    const expectedOff = plain.lines.filter((l: { amount: number }) => l.amount > 0).reduce((s: number, l: { amount: number }) => s + Math.round(l.amount * 0.25), 0);
    expect(expectedOff).toBeGreaterThan(0);
    expect(discounted.discount).toBe(expectedOff);
    expect(discounted.amountDue).toBe(plain.amountDue - expectedOff);
    expect(fake.state.promotionCodes.get(promo.id)!.times_redeemed).toBe(0);

    const res = await call(app, 'POST', 'upgrade', { user, body: { plan: 'enterprise', promotionCode: promo.code } });
    expect([res.status, res.body.plan]).toEqual([200, 'enterprise']);
    const charged = invoicesOf(user).at(-1)!;
    expect(charged.billing_reason).toBe('subscription_update');
    expect(charged.amount_paid).toBe(plain.amountDue - expectedOff);
    const { discounts } = await stripe.invoices.retrieve(charged.id!, { expand: ['discounts'] });
    expect(discounts.map((d) => (d as Stripe.Discount).promotion_code)).toEqual([promo.id]);
  });

  it('an upgrade with a code whose payment fails keeps the old plan and no discount until the invoice is paid', async () => {
    const coupon = await stripe.coupons.create({ percent_off: 10, duration: 'forever' });
    const promo = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: `LATER${kind.toUpperCase()}` });
    const user = await subscribedToPro();
    const [customer] = customersOf(fake, user);
    fake.setCustomerCard(customer, 'decline');
    const up = await call(app, 'POST', 'upgrade', { user, body: { plan: 'enterprise', promotionCode: promo.code } });
    expect([up.status, up.body.code, up.body.subscription?.plan]).toEqual([402, 'payment_failed', 'pro']);
    const sub = [...fake.state.subscriptions.values()].find((x) => x.customer === customer)!;
    expect(sub.discounts).toEqual([]);
    expect(sub.pending_update!.discounts).toHaveLength(1);
    const open = invoicesOf(user).find((i) => i.status === 'open')!;
    expect(open.discounts).toHaveLength(1);

    await fake.payInvoice(open.id!, { card: 'success' });
    await fake.waitForDeliveries();
    expect((await call(app, 'GET', 'subscription', { user })).body.plan).toBe('enterprise');
    const { discounts } = await stripe.subscriptions.retrieve(sub.id, { expand: ['discounts'] });
    expect(discounts.map((d) => (d as Stripe.Discount).promotion_code)).toEqual([promo.id]);
  });

  it('a downgrade deferred to the period end with a code discounts the new plan from its first invoice', async () => {
    const coupon = await stripe.coupons.create({ percent_off: 20, duration: 'forever' });
    const promo = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: `DOWN${kind.toUpperCase()}` });
    const user = await subscribedToPro('enterprise');
    const down = await call(app, 'POST', 'upgrade', { user, body: { plan: 'pro', promotionCode: promo.code } });
    expect([down.status, down.body.plan, down.body.scheduledChange?.plan]).toEqual([200, 'enterprise', 'pro']);
    expect(invoicesOf(user)).toHaveLength(1);

    const [customer] = customersOf(fake, user);
    const sub = [...fake.state.subscriptions.values()].find((x) => x.customer === customer)!;
    await fake.waitForDeliveries();
    await fake.advanceTime(sub.items.data[0].current_period_end - fake.now() + 60);
    await fake.waitForDeliveries();
    const renewal = invoicesOf(user).at(-1)!;
    expect(renewal).toMatchObject({ billing_reason: 'subscription_cycle', status: 'paid', amount_paid: 1500 - 300 });
    expect((await call(app, 'GET', 'subscription', { user })).body.plan).toBe('pro');
  });

  it('an unknown or inactive code is 400 promotion_code_invalid with no Stripe write, and the plan is kept', async () => {
    const coupon = await stripe.coupons.create({ percent_off: 50, duration: 'once' });
    const off = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: `GONE${kind.toUpperCase()}`, active: false });
    const user = await subscribedToPro();
    for (const [code, preview] of [['NOSUCHCODE', false], [off.code, false], ['NOSUCHCODE', true]] as const) {
      const calls = await stripeCallsDuring(fake, async () => {
        const res = await call(app, 'POST', 'upgrade', { user, body: { plan: 'enterprise', promotionCode: code, preview } });
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ statusCode: 400, code: 'promotion_code_invalid', message: 'This promotion code is not valid.' });
      });
      expect(writes(calls)).toEqual([]);
      expect(calls.map((c) => c.path)).toContain('/v1/promotion_codes');
    }
    expect((await call(app, 'GET', 'subscription', { user })).body.plan).toBe('pro');
    expect(invoicesOf(user)).toHaveLength(1);
  });

  it('without allowPromotionCodes a promotionCode on /upgrade is refused as on /checkout, before any Stripe call', async () => {
    const user = await subscribedToPro();
    const strict = await startTestApp({ db, fake, registerWithFake: false, payments: { authGuard: jwtGuard } });
    try {
      const calls = await stripeCallsDuring(fake, async () => {
        const res = await call(strict, 'POST', 'upgrade', { user, body: { plan: 'enterprise', promotionCode: 'WELCOME' } });
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ code: 'invalid_request', errors: [{ field: 'promotionCode' }] });
      });
      expect(calls).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('the tax ids (and address) from customerDetails are on the Stripe customer', async () => {
    const user = await subscribedToPro();
    const [id] = customersOf(fake, user);
    const customer = await stripe.customers.retrieve(id, { expand: ['tax_ids'] }) as Stripe.Customer;
    expect(customer.name).toBe('Acme GmbH');
    expect(customer.address).toMatchObject({ country: 'DE', city: 'Berlin' });
    expect(customer.tax_ids!.data).toEqual([expect.objectContaining({ object: 'tax_id', type: 'eu_vat', value: 'DE123456789', country: 'DE', customer: id })]);
    // Not expanded, Stripe leaves the list out.
    expect((await stripe.customers.retrieve(id)) as Stripe.Customer).not.toHaveProperty('tax_ids');
  });
});
