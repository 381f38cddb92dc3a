import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';
import { WebhookReceiver } from './webhook-receiver';

describe('FakeStripe core', () => {
  let fake: FakeStripe;
  let stripe: Stripe;
  let hooks: WebhookReceiver;

  beforeAll(async () => {
    fake = await FakeStripe.start({ seed: 42 });
    stripe = fake.client();
    hooks = await new WebhookReceiver().start();
    fake.addWebhookEndpoint(hooks.url);
  });
  afterAll(async () => {
    await fake.stop();
    await hooks.stop();
  });

  it('creates a customer, a checkout session, completes it and delivers signed events', async () => {
    const price = fake.createPrice({ id: 'price_pro_month', unitAmount: 2000, interval: 'month', productName: 'Pro' });
    expect(price.id).toBe('price_pro_month');
    const customer = await stripe.customers.create({ email: 'a@example.com', metadata: { userId: '1' } });
    expect(customer.id).toMatch(/^cus_/);
    expect(customer.metadata).toEqual({ userId: '1' });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: 'https://app.example/ok?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://app.example/cancel',
    });
    expect(session.url).toContain(fake.url);
    const done = await fake.completeCheckout(session.id, { card: 'success' });
    expect(done.redirectUrl).toBe(`https://app.example/ok?session_id=${session.id}`);
    const sub = await stripe.subscriptions.retrieve(done.subscriptionId!, { expand: ['latest_invoice'] });
    expect(sub.status).toBe('active');
    expect((sub.latest_invoice as Stripe.Invoice).status).toBe('paid');
    await fake.waitForDeliveries();
    const types = hooks.received.map((h) => stripe.webhooks.constructEvent(h.body, h.signature, fake.webhookSecret).type);
    expect(types).toContain('checkout.session.completed');
    expect(types).toContain('customer.subscription.created');
  });
});
