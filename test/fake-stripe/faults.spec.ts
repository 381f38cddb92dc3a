import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';

describe('FakeStripe API faults', () => {
  let fake: FakeStripe;

  beforeAll(async () => {
    fake = await FakeStripe.start({ seed: 5 });
  });
  afterAll(() => fake.stop());

  const customersNamed = (name: string) => [...fake.state.customers.values()].filter((c) => c.name === name);

  it('failNext answers 500 without doing anything; Stripe-Should-Retry false stops SDK retries', async () => {
    const stripe = fake.client({ maxNetworkRetries: 2 });
    fake.faults.failNext({ method: 'POST', path: '/v1/customers' }, 1, { status: 500, shouldRetry: false });
    const before = fake.requests.length;
    await expect(stripe.customers.create({ name: 'f500' })).rejects.toMatchObject({ type: 'StripeAPIError', statusCode: 500 });
    expect(fake.requests.slice(before).map((r) => r.status)).toEqual([500]);
    expect(customersNamed('f500')).toHaveLength(0);
  });

  it('failNext 503 is retried by the SDK with the same idempotency key and then succeeds', async () => {
    const stripe = fake.client({ maxNetworkRetries: 2 });
    fake.faults.failNext({ path: /^\/v1\/customers$/ }, 2, { status: 503 });
    const before = fake.requests.length;
    const c = await stripe.customers.create({ name: 'f503' });
    const calls = fake.requests.slice(before);
    expect(calls.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(new Set(calls.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(customersNamed('f503').map((x) => x.id)).toEqual([c.id]);
  });

  it('failNext 429 surfaces as a rate limit error', async () => {
    const stripe = fake.client();
    fake.faults.failNext({ method: 'GET', path: '/v1/prices' }, 1, { status: 429 });
    await expect(stripe.prices.list()).rejects.toMatchObject({ type: 'StripeRateLimitError', statusCode: 429 });
    await expect(stripe.prices.list()).resolves.toMatchObject({ object: 'list' });
  });

  it('hangNext outlasts the client timeout; the retry with the same key replays instead of duplicating', async () => {
    const stripe = fake.client({ timeout: 150 });
    fake.faults.hangNext({ method: 'POST', path: '/v1/customers' }, 1, 400);
    await expect(stripe.customers.create({ name: 'hang' }, { idempotencyKey: 'hang-1' })).rejects.toMatchObject({ type: 'StripeConnectionError' });
    // While the first call is still held, the same key is "in progress" (409) as at Stripe.
    await expect(stripe.customers.create({ name: 'hang' }, { idempotencyKey: 'hang-1' })).rejects.toMatchObject({ statusCode: 409 });
    await new Promise((r) => setTimeout(r, 400));
    const replay = await stripe.customers.create({ name: 'hang' }, { idempotencyKey: 'hang-1' });
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(customersNamed('hang').map((x) => x.id)).toEqual([replay.id]);
  });

  it('setLatency holds every matching call until turned off; other calls are not held', async () => {
    const stripe = fake.client({ timeout: 300 });
    const customer = await stripe.customers.create({ name: 'latency' });
    fake.faults.setLatency(3_000, { method: 'GET', path: /^\/v1\/customers\// });
    try {
      await expect(stripe.customers.retrieve(customer.id)).rejects.toMatchObject({ type: 'StripeConnectionError' });
      await expect(stripe.customers.retrieve(customer.id)).rejects.toMatchObject({ type: 'StripeConnectionError' });
      // Not matching (a POST): answered at once.
      expect((await stripe.customers.update(customer.id, { name: 'latency 2' })).name).toBe('latency 2');
    } finally {
      fake.faults.setLatency(0);
    }
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({ id: customer.id, name: 'latency 2' });
    expect(() => fake.faults.setLatency(-1)).toThrow('latency must be a number of ms >= 0');
  });

  it('waitForDeliveries also waits for the settlers an app registered (queued webhook mode)', async () => {
    let settled = 0;
    const remove = fake.addSettler(async () => {
      await new Promise((r) => setTimeout(r, 20));
      settled++;
    });
    await fake.waitForDeliveries();
    expect(settled).toBe(1);
    remove();
    await fake.waitForDeliveries();
    expect(settled).toBe(1);
  });

  it('dropResponseNext commits, then closes the socket; the SDK retry replays with no duplicate', async () => {
    const stripe = fake.client();
    fake.faults.dropResponseNext({ method: 'POST', path: '/v1/customers' }, 1);
    const before = fake.requests.length;
    const c = await stripe.customers.create({ name: 'drop' });
    const calls = fake.requests.slice(before);
    expect(calls.map((r) => r.status)).toEqual([0, 200]);
    expect(calls[0].idempotencyKey).toBe(calls[1].idempotencyKey);
    expect(customersNamed('drop').map((x) => x.id)).toEqual([c.id]);
  });

  it('dropResponseNext on a checkout session does not create a second session on retry', async () => {
    const stripe = fake.client({ maxNetworkRetries: 1 });
    fake.createPrice({ id: 'price_drop', unitAmount: 100, interval: 'month' });
    fake.faults.dropResponseNext({ method: 'POST', path: '/v1/checkout/sessions' }, 1);
    const session = await stripe.checkout.sessions.create(
      { mode: 'subscription', line_items: [{ price: 'price_drop', quantity: 1 }], success_url: 'https://x.example/ok' },
      { idempotencyKey: 'checkout-user-1' },
    );
    const sessions = [...fake.state.checkoutSessions.values()].filter((s) => s.success_url === 'https://x.example/ok');
    expect(sessions.map((s) => s.id)).toEqual([session.id]);
  });

  it('declineNextPayment fails exactly the next charge', async () => {
    const stripe = fake.client();
    fake.createPrice({ id: 'price_decl', unitAmount: 700, interval: 'month' });
    const customer = await stripe.customers.create({ email: 'decl@example.com' });
    fake.faults.declineNextPayment();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_decl' }], expand: ['latest_invoice'] });
    expect(sub.status).toBe('incomplete');
    expect((sub.latest_invoice as Stripe.Invoice).status).toBe('open');
    const again = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_decl' }] });
    expect(again.status).toBe('active');
    // The first one can still be paid, which activates it.
    await stripe.invoices.pay(sub.latest_invoice ? (sub.latest_invoice as Stripe.Invoice).id! : '');
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
  });

  it('payment_behavior=error_if_incomplete refuses with a card error and creates nothing', async () => {
    const stripe = fake.client();
    const customer = await stripe.customers.create({ email: 'strict@example.com' });
    fake.setCustomerCard(customer.id, 'decline');
    await expect(
      stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_decl' }], payment_behavior: 'error_if_incomplete' }),
    ).rejects.toMatchObject({ type: 'StripeCardError', code: 'card_declined', statusCode: 402 });
    expect([...fake.state.subscriptions.values()].filter((s) => s.customer === customer.id)).toHaveLength(0);
  });
});
