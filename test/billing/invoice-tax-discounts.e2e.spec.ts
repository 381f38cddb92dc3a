import Stripe from 'stripe';
import { FAKE_AUTOMATIC_TAX_PERCENT, FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { call, customersOf, jwtGuard } from './billing-kit';

// Issue 15: tax and discounts reach the invoice routes (automatic tax at the fake's flat test rate).
describe.each(testDatabases(['sqlite', 'postgres']))('invoice tax and discounts on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;
  let stripe: Stripe;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 152 });
    app = await startTestApp({
      db,
      fake,
      payments: { authGuard: jwtGuard, allowPromotionCodes: true, checkoutParams: () => ({ automatic_tax: { enabled: true } }) },
    });
    stripe = fake.client();
    await stripe.coupons.create({ id: 'twenty_forever', percent_off: 20, duration: 'forever' });
    await stripe.promotionCodes.create({ code: 'SAVE20', promotion: { type: 'coupon', coupon: 'twenty_forever' } });
    await stripe.coupons.create({ id: 'five_once', amount_off: 500, currency: 'usd', duration: 'once' });
    await stripe.promotionCodes.create({ code: 'FIVEOFF', promotion: { type: 'coupon', coupon: 'five_once' } });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  /** An Enterprise subscriber (9900 a month, no trial) through Checkout with `promotionCode`. */
  async function subscribed(promotionCode?: string): Promise<number> {
    const user = await app.createUser();
    const checkout = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'enterprise', ...(promotionCode ? { promotionCode } : {}) } });
    expect(checkout.status).toBe(200);
    const session = fake.state.checkoutSessions.get(checkout.body.sessionId)!;
    expect(session.automatic_tax.enabled).toBe(true);
    await fake.completeCheckout(checkout.body.sessionId);
    expect((await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id })).status).toBe(200);
    return user.id;
  }

  it('a forever 20% code and automatic tax: GET /invoices, /invoices/:id and /invoices/upcoming show subtotal, discount and tax', async () => {
    expect(FAKE_AUTOMATIC_TAX_PERCENT).toBe(10);
    const user = await subscribed('SAVE20');
    const figures = { subtotal: 9900, discount: 1980, totalExcludingTax: 7920, tax: 792, total: 8712 };
    const list = await call(app, 'GET', 'invoices', { user });
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([expect.objectContaining({ ...figures, status: 'paid', amountPaid: 8712, amountDue: 8712 })]);
    const one = await call(app, 'GET', `invoices/${list.body.data[0].id}`, { user });
    expect(one).toEqual({ status: 200, body: list.body.data[0] });
    // What the customer paid at Stripe is what the route shows.
    const [customer] = customersOf(fake, user);
    const charged = [...fake.state.invoices.values()].find((i) => i.customer === customer)!;
    expect([charged.amount_paid, charged.total_taxes?.[0]?.amount, charged.total_discount_amounts?.[0]?.amount]).toEqual([8712, 792, 1980]);

    const upcoming = await call(app, 'GET', 'invoices/upcoming', { user });
    expect(upcoming.status).toBe(200);
    expect(upcoming.body).toMatchObject({ ...figures, amountDue: 8712 });
  });

  it('a once 5.00 code discounts the first invoice only: the upcoming renewal is taxed in full', async () => {
    const user = await subscribed('FIVEOFF');
    const list = await call(app, 'GET', 'invoices', { user });
    expect(list.body.data).toEqual([expect.objectContaining({ subtotal: 9900, discount: 500, totalExcludingTax: 9400, tax: 940, total: 10340, amountPaid: 10340 })]);
    const upcoming = await call(app, 'GET', 'invoices/upcoming', { user });
    expect(upcoming.body).toMatchObject({ subtotal: 9900, discount: 0, totalExcludingTax: 9900, tax: 990, total: 10890, amountDue: 10890 });
  });

  it('the plan change preview shows the tax on the proration', async () => {
    const user = await app.createUser();
    const checkout = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro', interval: 'month' } });
    await fake.completeCheckout(checkout.body.sessionId);
    await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id });
    // Pro has a trial: ending it onto Enterprise bills Enterprise's first period now, taxed.
    const preview = await call(app, 'POST', 'upgrade', { user: user.id, body: { plan: 'enterprise', preview: true } });
    expect(preview.status).toBe(200);
    expect(preview.body.preview).toMatchObject({ subtotal: 9900, discount: 0, tax: 990, total: 10890, amountDue: 10890, immediate: true });
  });
});
