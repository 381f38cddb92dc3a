import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';
import { ApiRouter } from '../../lib/testing/api-router';

/** Params a misspelling away from real ones: Stripe answers 400 parameter_unknown naming the full path. */
describe('FakeStripe refuses unknown parameters as Stripe does', () => {
  let fake: FakeStripe;
  let stripe: Stripe;
  let customer: string;

  beforeAll(async () => {
    fake = await FakeStripe.start({ seed: 111 });
    stripe = fake.client();
    fake.createPrice({ id: 'price_up_month', unitAmount: 1000, interval: 'month' });
    customer = (await stripe.customers.create({ email: 'strict@example.com' })).id;
  });
  afterAll(() => fake.stop());

  async function raw(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${fake.url}${path}`, {
      method,
      body,
      headers: { authorization: `Bearer ${fake.secretKey}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as { error?: Record<string, unknown>; id?: string; email?: string } };
  }

  const unknown = (param: string) => ({
    statusCode: 400,
    type: 'StripeInvalidRequestError',
    code: 'parameter_unknown',
    param,
    message: `Received unknown parameter: ${param}`,
  });

  it('refuses an unknown top-level parameter in Stripe\'s error shape', async () => {
    const before = fake.state.customers.size;
    const r = await raw('POST', '/v1/customers', 'email=a%40example.com&foo=bar');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      error: { type: 'invalid_request_error', code: 'parameter_unknown', param: 'foo', message: 'Received unknown parameter: foo' },
    });
    expect(fake.state.customers.size).toBe(before);
  });

  it('refuses a misspelt flag instead of silently ignoring it', async () => {
    const sub = await stripe.subscriptions.create({ customer, items: [{ price: 'price_up_month' }] });
    await expect(stripe.subscriptions.update(sub.id, { cancel_at_period_ends: true } as Stripe.SubscriptionUpdateParams)).rejects.toMatchObject(
      unknown('cancel_at_period_ends'),
    );
    expect(fake.state.subscriptions.get(sub.id)!.cancel_at_period_end).toBe(false);
  });

  it('names nested and indexed unknown parameters by their full form path', async () => {
    await expect(
      stripe.checkout.sessions.create({
        mode: 'subscription',
        line_items: [{ price: 'price_up_month', quantity: 1 }],
        success_url: 'https://app.example/ok',
        subscription_data: { trial_period_dayz: 7 } as Stripe.Checkout.SessionCreateParams.SubscriptionData,
      }),
    ).rejects.toMatchObject(unknown('subscription_data[trial_period_dayz]'));
    await expect(
      stripe.subscriptions.create({ customer, items: [{ price: 'price_up_month' }, { pricee: 'price_up_month' } as Stripe.SubscriptionCreateParams.Item] }),
    ).rejects.toMatchObject(unknown('items[1][pricee]'));
    await expect(
      stripe.subscriptions.create({ customer, items: [{ price: 'price_up_month' }], billing_mode: { type: 'flexible', flexibel: 'yes' } as never }),
    ).rejects.toMatchObject(unknown('billing_mode[flexibel]'));
  });

  it('checks query parameters of reads and lists too', async () => {
    await expect(stripe.customers.list({ emial: 'x@example.com' } as Stripe.CustomerListParams)).rejects.toMatchObject(unknown('emial'));
    await expect(stripe.subscriptions.list({ customer, created: { gte: 1, since: 2 } } as never)).rejects.toMatchObject(unknown('created[since]'));
    await expect(stripe.customers.retrieve(customer, { expand: ['subscriptions'], foo: 1 } as never)).rejects.toMatchObject(unknown('foo'));
  });

  it('refuses an object where Stripe expects a list of objects', async () => {
    const r = await raw('POST', '/v1/subscriptions', `customer=${customer}&items[price]=price_up_month`);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'parameter_invalid', param: 'items' });
  });

  it('accepts every parameter Stripe accepts, ignored or not: metadata is free-form, expand anywhere', async () => {
    const c = await stripe.customers.create({
      email: 'full@example.com',
      metadata: { any_key: 'v', 'another.key': 'w' },
      preferred_locales: ['en', 'fr'],
      address: { country: 'FR', postal_code: '75001' },
      invoice_settings: { rendering_options: { amount_tax_display: 'include_inclusive_tax' } },
      tax_id_data: [{ type: 'eu_vat', value: 'FR12345678901' }],
      expand: ['tax'],
    });
    expect(c.metadata).toEqual({ any_key: 'v', 'another.key': 'w' });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: c.id,
      line_items: [{ price: 'price_up_month', quantity: 1, adjustable_quantity: { enabled: true, minimum: 1, maximum: 5 } }],
      success_url: 'https://app.example/ok',
      subscription_data: { trial_period_days: 7, billing_mode: { type: 'flexible' }, metadata: { plan: 'pro' } },
      automatic_tax: { enabled: false },
      payment_method_options: { card: { request_three_d_secure: 'automatic' } },
      expand: ['customer'],
    });
    expect(session.mode).toBe('subscription');
    const sub = await stripe.subscriptions.create({
      customer: c.id,
      items: [{ price: 'price_up_month', quantity: 2, metadata: { seat: 'yes' } }],
      billing_mode: { type: 'flexible' },
      payment_settings: { save_default_payment_method: 'on_subscription' },
      expand: ['latest_invoice'],
    });
    expect(sub.items.data[0].quantity).toBe(2);
    await stripe.subscriptions.update(sub.id, { proration_behavior: 'none', metadata: { note: 'x' }, pause_collection: '' });
    await stripe.invoices.list({ customer: c.id, status: 'paid', created: { gte: 0 }, limit: 3 });
  });

  it('has a parameter table for every route it serves', () => {
    const router = (fake as unknown as { http: { router: ApiRouter } }).http.router;
    expect(router.unchecked()).toEqual([]);
  });

  it('does not keep a request refused by validation under its idempotency key, so the corrected retry runs', async () => {
    const headers = { 'idempotency-key': 'strict-key-1' };
    const refused = await raw('POST', '/v1/customers', 'email=retry%40example.com&emial=typo', headers);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'parameter_unknown', param: 'emial' });
    const fixed = await raw('POST', '/v1/customers', 'email=retry%40example.com', headers);
    expect(fixed.status).toBe(200);
    expect(fixed.body.email).toBe('retry@example.com');
    expect(fixed.headers.get('idempotent-replayed')).toBeNull();
    // From now on the key belongs to the request that ran: same params replay, others are refused.
    const replay = await raw('POST', '/v1/customers', 'email=retry%40example.com', headers);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(fixed.body.id);
    const other = await raw('POST', '/v1/customers', 'email=other%40example.com', headers);
    expect(other.body.error).toMatchObject({ type: 'idempotency_error' });
  });

  it('does not keep missing or mistyped parameters under the key either', async () => {
    const headers = { 'idempotency-key': 'strict-key-2' };
    const missing = await raw('POST', '/v1/subscriptions', `customer=${customer}&items[0][price]=price_up_month&items[0][quantity]=two`, headers);
    expect(missing.body.error).toMatchObject({ param: 'items[0][quantity]' });
    const fixed = await raw('POST', '/v1/subscriptions', `customer=${customer}&items[0][price]=price_up_month&items[0][quantity]=2`, headers);
    expect(fixed.status).toBe(200);
    const recorded = fake.requests.filter((r) => r.idempotencyKey === 'strict-key-2');
    expect(recorded.map((r) => [r.status, r.invalid?.param])).toEqual([
      [400, 'items[0][quantity]'],
      [200, undefined],
    ]);
  });
});
