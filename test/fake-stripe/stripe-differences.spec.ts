import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';
import { WebhookReceiver } from './webhook-receiver';

const DAY = 86_400;

/** Details a user's assertions trip on when the fake and Stripe disagree. */
describe('FakeStripe behaves as Stripe in the details', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeEach(async () => {
    fake = await FakeStripe.start({ seed: 5, startTime: Date.UTC(2026, 2, 1) / 1000, retryScheduleMs: [] });
    stripe = fake.client();
    fake.createPrice({ id: 'price_m', unitAmount: 1000, interval: 'month' });
    fake.createPrice({ id: 'price_m_plus', unitAmount: 3000, interval: 'month' });
  });
  afterEach(() => fake.stop());

  async function subscribe() {
    const customer = await stripe.customers.create({ email: 'details@example.com' });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_m' }] });
    return { customer, sub };
  }

  it('pending_webhooks counts the endpoints still owed a 2xx and reaches 0 once all answered', async () => {
    const ok = await new WebhookReceiver().start();
    const failing = await new WebhookReceiver().start();
    failing.respond = () => 500;
    try {
      fake.addWebhookEndpoint(ok.url);
      const second = fake.addWebhookEndpoint(failing.url);
      const c = await stripe.customers.create({ email: 'hooks@example.com' });
      await fake.waitForDeliveries();
      const event = fake.events.find((e) => e.type === 'customer.created' && (e.data.object as Stripe.Customer).id === c.id)!;
      expect((await stripe.events.retrieve(event.id)).pending_webhooks).toBe(1);
      failing.respond = () => 200;
      fake.redeliver(event.id);
      await fake.waitForDeliveries();
      expect((await stripe.events.retrieve(event.id)).pending_webhooks).toBe(0);
      expect(fake.deliveries.filter((d) => d.eventId === event.id && d.endpointId === second.id).map((d) => d.status)).toEqual([500, 200]);
    } finally {
      await ok.stop();
      await failing.stop();
    }
  });

  it('refuses to expand a property that cannot be expanded, with Stripe\'s message', async () => {
    const { customer, sub } = await subscribe();
    await expect(stripe.customers.retrieve(customer.id, { expand: ['metadata'] })).rejects.toMatchObject({
      statusCode: 400,
      type: 'StripeInvalidRequestError',
      message: 'This property cannot be expanded (metadata).',
    });
    await expect(stripe.subscriptions.list({ customer: customer.id, expand: ['latest_invoice'] })).rejects.toMatchObject({
      statusCode: 400,
      message: "This property cannot be expanded (latest_invoice). You may want to try expanding 'data.latest_invoice' instead.",
    });
    await expect(stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoicee'] })).rejects.toMatchObject({ statusCode: 400 });
    // Refused before the endpoint runs: a create with a bad expand creates nothing.
    const customers = fake.state.customers.size;
    await expect(stripe.customers.create({ email: 'x@example.com', expand: ['email'] })).rejects.toMatchObject({ message: 'This property cannot be expanded (email).' });
    expect(fake.state.customers.size).toBe(customers);
    // What Stripe can expand still expands, nested and through lists.
    const listed = await stripe.subscriptions.list({ customer: customer.id, expand: ['data.latest_invoice', 'data.customer'] });
    expect((listed.data[0].latest_invoice as Stripe.Invoice).object).toBe('invoice');
    const got = await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice', 'schedule', 'items.data.price.product'] });
    expect(got.schedule).toBeNull();
    expect((got.items.data[0].price.product as Stripe.Product).object).toBe('product');
  });

  it('a Checkout Session has a url while open, and url null once completed or expired', async () => {
    const create = () =>
      stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: 'price_m', quantity: 1 }], success_url: 'https://app.example/ok' });
    const paid = await create();
    expect(paid.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/checkout\/cs_test_/);
    await fake.completeCheckout(paid.id);
    const completed = await stripe.checkout.sessions.retrieve(paid.id);
    expect([completed.status, completed.url]).toEqual(['complete', null]);
    const event = fake.events.find((e) => e.type === 'checkout.session.completed')!;
    expect((event.data.object as Stripe.Checkout.Session).url).toBeNull();
    const left = await create();
    expect((await stripe.checkout.sessions.expire(left.id)).url).toBeNull();
  });

  it('ui_mode takes the current values: hosted_page by default, the pre-2026-03 names are refused', async () => {
    const base = { mode: 'subscription' as const, line_items: [{ price: 'price_m', quantity: 1 }] };
    const hosted = await stripe.checkout.sessions.create({ ...base, success_url: 'https://app.example/ok' });
    expect(hosted.ui_mode).toBe('hosted_page');
    const embedded = await stripe.checkout.sessions.create({ ...base, ui_mode: 'embedded_page', return_url: 'https://app.example/back' });
    expect([embedded.ui_mode, embedded.url]).toEqual(['embedded_page', null]);
    for (const old of ['hosted', 'embedded', 'custom']) {
      await expect(
        stripe.checkout.sessions.create({ ...base, success_url: 'https://app.example/ok', ui_mode: old as Stripe.Checkout.SessionCreateParams.UiMode }),
      ).rejects.toMatchObject({ statusCode: 400, param: 'ui_mode' });
    }
  });

  it('a canceled subscription takes metadata and cancellation_details updates only', async () => {
    const { sub } = await subscribe();
    await stripe.subscriptions.cancel(sub.id);
    const updated = await stripe.subscriptions.update(sub.id, {
      metadata: { archived: 'yes' },
      cancellation_details: { comment: 'moved to a competitor', feedback: 'switched_service' },
    });
    expect(updated.metadata).toEqual({ archived: 'yes' });
    expect(updated.cancellation_details).toMatchObject({ comment: 'moved to a competitor', feedback: 'switched_service' });
    await expect(stripe.subscriptions.update(sub.id, { description: 'nope', metadata: { x: '1' } })).rejects.toMatchObject({
      statusCode: 400,
      param: 'description',
      message: 'A canceled subscription can only update its cancellation_details and metadata.',
    });
    expect(fake.state.subscriptions.get(sub.id)!.metadata).toEqual({ archived: 'yes' });
  });

  it('an always_invoice change sweeps the prorations an earlier create_prorations change left pending', async () => {
    const { sub } = await subscribe();
    const itemId = sub.items.data[0].id;
    await fake.advanceTime(10 * DAY);
    await stripe.subscriptions.update(sub.id, { items: [{ id: itemId, price: 'price_m_plus' }], proration_behavior: 'create_prorations' });
    await fake.advanceTime(5 * DAY);
    const now = await stripe.subscriptions.update(sub.id, {
      items: [{ id: itemId, quantity: 2 }],
      proration_behavior: 'always_invoice',
      expand: ['latest_invoice'],
    });
    const invoice = now.latest_invoice as Stripe.Invoice;
    expect(invoice.billing_reason).toBe('subscription_update');
    const lines = invoice.lines.data.filter((l) => l.parent?.subscription_item_details?.proration);
    // Two lines from the first change (unused 1000, remaining 3000) and two from the second (unused 1×3000, remaining 2×3000).
    expect(lines).toHaveLength(4);
    expect(invoice.amount_due).toBe(lines.reduce((s, l) => s + l.amount, 0));
    expect(invoice.status).toBe('paid');
    // Nothing is left pending, so the renewal bills the new price only.
    await fake.advanceTime(now.items.data[0].current_period_end - fake.now());
    const renewal = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data[0];
    expect(renewal.billing_reason).toBe('subscription_cycle');
    expect(renewal.lines.data.filter((l) => l.parent?.subscription_item_details?.proration)).toHaveLength(0);
    expect(renewal.amount_due).toBe(6000);
  });
});
