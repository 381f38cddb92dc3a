import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';

describe('FakeStripe invoice previews, promotion codes and portal flows', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeAll(async () => {
    fake = await FakeStripe.start({ seed: 1515 });
    stripe = fake.client();
    fake.createPrice({ id: 'price_a', unitAmount: 1000, interval: 'month', productName: 'A' });
    fake.createPrice({ id: 'price_b', unitAmount: 3000, interval: 'month', productName: 'B' });
  });
  afterAll(async () => {
    await fake.stop();
  });

  async function subscribedCustomer(): Promise<{ customer: string; sub: Stripe.Subscription }> {
    const customer = await stripe.customers.create({ email: 'p@example.com' });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription', customer: customer.id, line_items: [{ price: 'price_a', quantity: 1 }],
      success_url: 'https://app.example/ok', cancel_url: 'https://app.example/no',
    });
    const done = await fake.completeCheckout(session.id, { card: 'success' });
    return { customer: customer.id, sub: await stripe.subscriptions.retrieve(done.subscriptionId!) };
  }

  it('previews the next renewal and a proration without storing an invoice; none for a customer without a subscription', async () => {
    const { customer, sub } = await subscribedCustomer();
    const before = fake.state.invoices.size;
    const next = await stripe.invoices.createPreview({ customer });
    expect(next).toMatchObject({ amount_due: 1000, currency: 'usd', billing_reason: 'upcoming', period_start: sub.items.data[0].current_period_end });
    expect(next.id).toMatch(/^upcoming_/);
    await fake.advanceTime(15 * 86_400);
    const change = await stripe.invoices.createPreview({
      customer, subscription: sub.id,
      subscription_details: { items: [{ id: sub.items.data[0].id, price: 'price_b' }], proration_behavior: 'always_invoice' },
    });
    expect(change.lines.data.map((l) => l.parent?.subscription_item_details?.proration)).toEqual([true, true]);
    expect(change.amount_due).toBe(change.lines.data[0].amount + change.lines.data[1].amount);
    expect(change.amount_due).toBeGreaterThan(0);
    expect(change.amount_due).toBeLessThan(2000);
    expect(fake.state.invoices.size).toBe(before);
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe('price_a');

    const lonely = await stripe.customers.create({});
    await expect(stripe.invoices.createPreview({ customer: lonely.id })).rejects.toMatchObject({ statusCode: 404, code: 'invoice_upcoming_none' });
    await expect(stripe.invoices.createPreview({ customer, subscription_details: { itemz: [{ price: 'price_b' }] } } as never)).rejects.toMatchObject({ code: 'parameter_unknown' });
  });

  it('creates coupons and promotion codes, finds a code case-insensitively, and applies one to a checkout session', async () => {
    const coupon = await stripe.coupons.create({ percent_off: 20, duration: 'once' });
    const promo = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'SPRING20' });
    expect((await stripe.promotionCodes.list({ code: 'spring20', active: true })).data.map((p) => p.id)).toEqual([promo.id]);
    expect((await stripe.promotionCodes.list({ code: 'nope', active: true })).data).toEqual([]);
    const customer = await stripe.customers.create({});
    const base = { mode: 'subscription' as const, customer: customer.id, line_items: [{ price: 'price_a', quantity: 1 }], success_url: 'https://app.example/ok' };
    const session = await stripe.checkout.sessions.create({ ...base, discounts: [{ promotion_code: promo.id }] });
    expect(session.discounts).toEqual([{ coupon: null, promotion_code: promo.id }]);
    await expect(stripe.checkout.sessions.create({ ...base, discounts: [{ promotion_code: promo.id }], allow_promotion_codes: true })).rejects.toMatchObject({ statusCode: 400, param: 'discounts' });
    await expect(stripe.checkout.sessions.create({ ...base, discounts: [{ promotion_code: 'promo_missing' }] })).rejects.toMatchObject({ statusCode: 404 });
    expect((await stripe.checkout.sessions.create({ ...base, allow_promotion_codes: true })).allow_promotion_codes).toBe(true);
  });

  it('opens a portal session on a flow, and refuses an unknown flow type', async () => {
    const customer = await stripe.customers.create({});
    const session = await stripe.billingPortal.sessions.create({ customer: customer.id, flow_data: { type: 'payment_method_update' } });
    expect(session.flow?.type).toBe('payment_method_update');
    await expect(stripe.billingPortal.sessions.create({ customer: customer.id, flow_data: { type: 'teleport' as never } })).rejects.toMatchObject({ statusCode: 400 });
  });
});
