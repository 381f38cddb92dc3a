import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';
import { WebhookReceiver } from './webhook-receiver';

const DAY = 86_400;

describe('FakeStripe full lifecycle through the real SDK', () => {
  let fake: FakeStripe;
  let stripe: Stripe;
  let hooks: WebhookReceiver;

  beforeAll(async () => {
    fake = await FakeStripe.start({ seed: 7, startTime: Date.UTC(2026, 0, 15) / 1000 });
    stripe = fake.client();
    hooks = await new WebhookReceiver().start();
  });
  afterAll(async () => {
    await fake.stop();
    await hooks.stop();
  });

  /** Types received since the last call, each verified with Stripe's own constructEvent. */
  let seen = 0;
  async function received(): Promise<string[]> {
    await fake.waitForDeliveries();
    const fresh = hooks.received.slice(seen).map((h) => stripe.webhooks.constructEvent(h.body, h.signature, fake.webhookSecret));
    seen = hooks.received.length;
    return fresh.map((e) => e.type);
  }

  it('customer → checkout → renewal → upgrade → failure → recovery → cancel at period end → deleted', async () => {
    fake.createPrice({ id: 'price_pro_month', unitAmount: 2000, interval: 'month', productName: 'Pro' });
    fake.createPrice({ id: 'price_business_month', unitAmount: 5000, interval: 'month', productName: 'Business' });
    fake.addWebhookEndpoint(hooks.url);

    const customer = await stripe.customers.create({ email: 'ada@example.com' });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      client_reference_id: 'user_1',
      line_items: [{ price: 'price_pro_month', quantity: 1 }],
      success_url: 'https://app.example/done?s={CHECKOUT_SESSION_ID}',
    });
    expect(await received()).toEqual(['customer.created']);

    const { subscriptionId } = await fake.completeCheckout(session.id);
    let sub = await stripe.subscriptions.retrieve(subscriptionId!);
    expect(sub.status).toBe('active');
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('complete');
    expect(await received()).toEqual([
      'customer.subscription.created', 'invoice.created', 'invoice.finalized', 'invoice.paid',
      'invoice.payment_succeeded', 'customer.subscription.updated', 'checkout.session.completed',
    ]);

    // Renewal one month later.
    const firstEnd = sub.items.data[0].current_period_end;
    await fake.advanceTime(firstEnd - fake.now() + 60);
    sub = await stripe.subscriptions.retrieve(sub.id);
    expect(sub.items.data[0].current_period_start).toBe(firstEnd);
    expect(await received()).toEqual(['customer.subscription.updated', 'invoice.created', 'invoice.finalized', 'invoice.paid', 'invoice.payment_succeeded']);
    const renewal = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data[0];
    expect(renewal).toMatchObject({ billing_reason: 'subscription_cycle', status: 'paid', amount_paid: 2000 });

    // Upgrade with an immediate proration invoice; applied only because it is paid.
    await fake.advanceTime(10 * DAY);
    sub = await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: 'price_business_month' }],
      proration_behavior: 'always_invoice',
      payment_behavior: 'pending_if_incomplete',
      expand: ['latest_invoice'],
    });
    expect(sub.items.data[0].price.id).toBe('price_business_month');
    expect(sub.pending_update).toBeNull();
    const proration = sub.latest_invoice as Stripe.Invoice;
    expect(proration.billing_reason).toBe('subscription_update');
    expect(proration.amount_paid).toBeGreaterThan(0);
    expect(proration.amount_paid).toBeLessThan(3000);
    expect(await received()).toEqual(['invoice.created', 'invoice.finalized', 'invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated']);

    // The next renewal fails: past_due.
    fake.setCustomerCard(customer.id, 'decline');
    await fake.advanceTime(sub.items.data[0].current_period_end - fake.now() + 60);
    sub = await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice'] });
    expect(sub.status).toBe('past_due');
    const failed = sub.latest_invoice as Stripe.Invoice;
    expect(failed).toMatchObject({ status: 'open', attempt_count: 1, amount_due: 5000 });
    expect(failed.next_payment_attempt).toBe(fake.now() - 60 + 3 * DAY);
    expect(await received()).toEqual([
      'customer.subscription.updated', 'invoice.created', 'invoice.finalized', 'invoice.payment_failed', 'customer.subscription.updated',
    ]);

    // Recovery: the customer fixes the card, the app pays the invoice.
    fake.setCustomerCard(customer.id, 'success');
    const paid = await stripe.invoices.pay(failed.id!);
    expect(paid.status).toBe('paid');
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
    expect(await received()).toEqual(['invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated']);

    // Cancel at period end, then the period ends.
    sub = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(sub.cancel_at).toBe(sub.items.data[0].current_period_end);
    expect(await received()).toEqual(['customer.subscription.updated']);
    await fake.advanceTime(sub.items.data[0].current_period_end - fake.now() + 1);
    sub = await stripe.subscriptions.retrieve(sub.id);
    expect(sub.status).toBe('canceled');
    expect(sub.ended_at).toBe(sub.items.data[0].current_period_end);
    expect(await received()).toEqual(['customer.subscription.deleted']);
    expect(await stripe.subscriptions.list({ customer: customer.id })).toMatchObject({ data: [] });
    expect((await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data).toHaveLength(1);

    // Every event was delivered once with a 2xx, and the fake's own log has the same sequence.
    expect(fake.deliveries.every((d) => d.status === 200 && d.attempt === 1)).toBe(true);
    const ownTypes = fake.events.filter((e) => !/^(product|price)\./.test(e.type)).map((e) => e.type);
    expect(hooks.received.map((h) => JSON.parse(h.body).type)).toEqual(ownTypes);
  });
});
