import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';

// Automatic tax at the fake's flat 10 % and discounts taken off invoice amounts (issue 15).
describe('FakeStripe automatic tax and discounts', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeAll(async () => {
    fake = await FakeStripe.start({ seed: 9 });
    stripe = fake.client();
    fake.createPrice({ id: 'price_tax', unitAmount: 2000, interval: 'month' });
    await stripe.coupons.create({ id: 'quarter', percent_off: 25, duration: 'forever' });
    await stripe.coupons.create({ id: 'three_off', amount_off: 300, currency: 'usd', duration: 'repeating', duration_in_months: 2 });
  });
  afterAll(() => fake.stop());

  const customer = async () => (await stripe.customers.create({ email: 'tax@example.com' })).id;

  it('subscriptions.create with automatic_tax and a coupon: the first invoice is discounted, then taxed, per line and in the totals', async () => {
    const sub = await stripe.subscriptions.create({ customer: await customer(), items: [{ price: 'price_tax', quantity: 2 }], automatic_tax: { enabled: true }, discounts: [{ coupon: 'quarter' }] });
    expect(sub.automatic_tax).toMatchObject({ enabled: true, liability: { type: 'self' } });
    expect(sub.discounts).toEqual([expect.stringMatching(/^di_/)]);
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string, { expand: ['discounts'] });
    expect(invoice).toMatchObject({
      subtotal: 4000, subtotal_excluding_tax: 4000, total_excluding_tax: 3000, total: 3300, amount_due: 3300, amount_paid: 3300, status: 'paid',
      automatic_tax: { enabled: true, status: 'complete' },
      total_discount_amounts: [{ amount: 1000, discount: sub.discounts[0] }],
      total_taxes: [{ amount: 300, taxable_amount: 3000, tax_behavior: 'exclusive', type: 'tax_rate_details', taxability_reason: 'standard_rated' }],
    });
    expect(invoice.discounts).toEqual([expect.objectContaining({ object: 'discount', id: sub.discounts[0], source: { coupon: 'quarter', type: 'coupon' }, subscription: sub.id })]);
    expect(invoice.lines.data[0]).toMatchObject({ amount: 4000, discount_amounts: [{ amount: 1000 }], taxes: [{ amount: 300, taxable_amount: 3000 }] });
    expect((await stripe.coupons.retrieve('quarter')).times_redeemed).toBe(1);
  });

  it('subscriptions.update turns tax on and replaces discounts; the preview of the next invoice uses them', async () => {
    const sub = await stripe.subscriptions.create({ customer: await customer(), items: [{ price: 'price_tax', quantity: 1 }] });
    expect((await stripe.invoices.retrieve(sub.latest_invoice as string)).total).toBe(2000);
    await stripe.subscriptions.update(sub.id, { automatic_tax: { enabled: true }, discounts: [{ coupon: 'three_off' }] });
    const preview = await stripe.invoices.createPreview({ subscription: sub.id });
    expect(preview).toMatchObject({ subtotal: 2000, total_excluding_tax: 1700, total: 1870, amount_due: 1870 });
    await stripe.subscriptions.update(sub.id, { discounts: '' as never });
    expect((await stripe.invoices.createPreview({ subscription: sub.id })).total).toBe(2200);
  });

  it('Checkout: the session totals show the discount and the tax, and the subscription carries both', async () => {
    const promo = await stripe.promotionCodes.create({ code: 'QUARTER', promotion: { type: 'coupon', coupon: 'quarter' } });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription', customer: await customer(), line_items: [{ price: 'price_tax', quantity: 1 }], success_url: 'https://x.example/ok',
      automatic_tax: { enabled: true }, discounts: [{ promotion_code: promo.id }],
    });
    expect(session).toMatchObject({ amount_subtotal: 2000, amount_total: 1650, total_details: { amount_discount: 500, amount_tax: 150, amount_shipping: 0 }, automatic_tax: { enabled: true } });
    const { subscriptionId } = await fake.completeCheckout(session.id);
    const sub = await stripe.subscriptions.retrieve(subscriptionId!, { expand: ['latest_invoice', 'discounts'] });
    expect(sub.automatic_tax.enabled).toBe(true);
    expect(sub.discounts).toEqual([expect.objectContaining({ checkout_session: session.id, promotion_code: promo.id })]);
    expect((sub.latest_invoice as Stripe.Invoice).amount_paid).toBe(1650);
  });

  it('an acacia client sees the tax as invoice.tax and total_tax_amounts, lines with tax_amounts', async () => {
    const sub = await stripe.subscriptions.create({ customer: await customer(), items: [{ price: 'price_tax', quantity: 1 }], automatic_tax: { enabled: true } });
    const old = fake.client({ apiVersion: '2024-09-30.acacia' as never });
    const invoice = (await old.invoices.retrieve(sub.latest_invoice as string)) as unknown as Record<string, any>;
    expect(invoice).toMatchObject({ tax: 200, total: 2200, total_tax_amounts: [{ amount: 200, inclusive: false, tax_rate: 'txr_fake_automatic_tax', taxable_amount: 2000 }] });
    expect(invoice.total_taxes).toBeUndefined();
    expect(invoice.lines.data[0]).toMatchObject({ tax_amounts: [{ amount: 200 }] });
    expect(invoice.lines.data[0].taxes).toBeUndefined();
  });
});
