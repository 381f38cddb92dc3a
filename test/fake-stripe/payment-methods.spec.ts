import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';

// The card a person pays with on Checkout is saved as Stripe saves it: attached to the customer,
// the subscription's default payment method, with a fingerprint shared by one card across accounts.
describe('FakeStripe payment methods', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeAll(async () => {
    fake = await FakeStripe.start({ seed: 8 });
    stripe = fake.client();
    fake.createPrice({ id: 'price_pm', unitAmount: 900, interval: 'month' });
  });
  afterAll(() => fake.stop());

  async function pay(fingerprint?: string) {
    const customer = await stripe.customers.create({ email: 'pm@example.com' });
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', customer: customer.id, line_items: [{ price: 'price_pm', quantity: 1 }], success_url: 'https://x.example/ok' });
    const { subscriptionId } = await fake.completeCheckout(session.id, { cardFingerprint: fingerprint });
    return { customer: customer.id, sub: await stripe.subscriptions.retrieve(subscriptionId!, { expand: ['default_payment_method'] }) };
  }

  it('saves the card on the customer as the subscription default, listed and retrievable', async () => {
    const { customer, sub } = await pay('fp_same');
    const pm = sub.default_payment_method as Stripe.PaymentMethod;
    expect(pm).toMatchObject({ object: 'payment_method', type: 'card', customer, card: { fingerprint: 'fp_same', last4: '4242' } });
    expect((await stripe.paymentMethods.retrieve(pm.id)).id).toBe(pm.id);
    expect((await stripe.paymentMethods.list({ customer, type: 'card' })).data.map((p) => p.id)).toEqual([pm.id]);
    expect((await stripe.customers.listPaymentMethods(customer, { type: 'card' })).data.map((p) => p.id)).toEqual([pm.id]);
    expect((await stripe.paymentMethods.list({ customer, type: 'sepa_debit' })).data).toEqual([]);
  });

  it('gives one card the same fingerprint on two customers, and each payment its own card by default', async () => {
    const a = await pay('fp_shared');
    const b = await pay('fp_shared');
    const c = await pay();
    const fp = (s: Stripe.Subscription) => (s.default_payment_method as Stripe.PaymentMethod).card!.fingerprint;
    expect(fp(a.sub)).toBe(fp(b.sub));
    expect(fp(c.sub)).not.toBe(fp(a.sub));
  });

  it('answers 404 for an unknown payment method and an unknown customer, and refuses unknown params', async () => {
    await expect(stripe.paymentMethods.retrieve('pm_missing')).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    await expect(stripe.customers.listPaymentMethods('cus_missing')).rejects.toMatchObject({ statusCode: 404 });
    await expect(stripe.paymentMethods.list({ customer: 'cus_x', bogus: 1 } as never)).rejects.toMatchObject({ statusCode: 400 });
  });
});
