import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';
import { parseFormBody } from '../../lib/testing/form-body.parser';

describe('FakeStripe API errors, idempotency and request log', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeAll(async () => {
    fake = await FakeStripe.start({ seed: 11 });
    stripe = fake.client();
    fake.createPrice({ id: 'price_basic', unitAmount: 900, interval: 'month', lookupKey: 'basic' });
  });
  afterAll(() => fake.stop());

  async function raw(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${fake.url}${path}`, {
      method,
      body,
      headers: { authorization: `Bearer ${fake.secretKey}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as { error?: Record<string, unknown>; id?: string } };
  }

  it('answers unknown ids with 404 resource_missing naming the param', async () => {
    const r = await raw('GET', '/v1/customers/cus_nope');
    expect(r.status).toBe(404);
    expect(r.body.error).toEqual({ type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: "No such customer: 'cus_nope'" });
    await expect(stripe.subscriptions.retrieve('sub_nope')).rejects.toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 404, code: 'resource_missing' });
  });

  it('answers bad params with 400 and the param name', async () => {
    await expect(
      stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: 'price_missing', quantity: 1 }], success_url: 'https://x.example' }),
    ).rejects.toMatchObject({ statusCode: 404, param: 'line_items[0][price]', code: 'resource_missing' });
    const bad = await raw('POST', '/v1/checkout/sessions', 'mode=subscription&line_items[0][price]=price_basic&line_items[0][quantity]=abc');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ type: 'invalid_request_error', param: 'line_items[0][quantity]' });
    const noMode = await raw('POST', '/v1/checkout/sessions', '');
    expect(noMode.body.error).toMatchObject({ param: 'mode', code: 'parameter_missing' });
  });

  it('answers unknown routes with 404 like Stripe, and rejects a missing key with 401', async () => {
    const r = await raw('GET', '/v1/nothing_here');
    expect(r.status).toBe(404);
    expect(r.body.error).toMatchObject({ type: 'invalid_request_error' });
    expect(String(r.body.error!.message)).toContain('Unrecognized request URL (GET: /v1/nothing_here)');
    const noKey = await fetch(`${fake.url}/v1/customers`);
    expect(noKey.status).toBe(401);
  });

  it('replays the same key with the same params, and refuses it with other params', async () => {
    const first = await stripe.customers.create({ email: 'idem@example.com' }, { idempotencyKey: 'key-1' });
    const again = await stripe.customers.create({ email: 'idem@example.com' }, { idempotencyKey: 'key-1' });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect([...fake.state.customers.values()].filter((c) => c.email === 'idem@example.com')).toHaveLength(1);
    await expect(stripe.customers.create({ email: 'other@example.com' }, { idempotencyKey: 'key-1' })).rejects.toMatchObject({
      type: 'StripeIdempotencyError',
      statusCode: 400,
    });
    // Errors are stored and replayed too, as Stripe does for 4xx.
    const e1 = await raw('POST', '/v1/subscriptions', 'customer=cus_nope&items[0][price]=price_basic', { 'idempotency-key': 'key-2' });
    const e2 = await raw('POST', '/v1/subscriptions', 'customer=cus_nope&items[0][price]=price_basic', { 'idempotency-key': 'key-2' });
    expect([e1.status, e2.status]).toEqual([404, 404]);
    expect(e2.headers.get('idempotent-replayed')).toBe('true');
  });

  it('records every API call with method, path, params, key and status', async () => {
    const before = fake.requests.length;
    await stripe.customers.list({ email: 'idem@example.com' });
    await stripe.prices.list({ lookup_keys: ['basic'] }).then((l) => expect(l.data.map((p) => p.id)).toEqual(['price_basic']));
    await stripe.customers.retrieve('cus_missing').catch(() => undefined);
    expect(fake.requests.slice(before)).toEqual([
      { method: 'GET', path: '/v1/customers', params: { email: 'idem@example.com' }, status: 200 },
      { method: 'GET', path: '/v1/prices', params: { lookup_keys: ['basic'] }, status: 200 },
      { method: 'GET', path: '/v1/customers/cus_missing', params: {}, status: 404 },
    ]);
  });

  it('searches customers by email and lists them by email', async () => {
    const c = await stripe.customers.create({ email: 'search@example.com', metadata: { userId: '42' } });
    const found = await stripe.customers.search({ query: "email:'search@example.com'" });
    expect(found.data.map((x) => x.id)).toEqual([c.id]);
    const byMeta = await stripe.customers.search({ query: "metadata['userId']:'42'" });
    expect(byMeta.data.map((x) => x.id)).toEqual([c.id]);
    expect((await stripe.customers.list({ email: 'search@example.com' })).data).toHaveLength(1);
    const updated = await stripe.customers.update(c.id, { name: 'Ada', metadata: { userId: '' } });
    expect(updated).toMatchObject({ name: 'Ada', metadata: {} });
    const deleted = await stripe.customers.del(c.id);
    expect(deleted).toMatchObject({ id: c.id, deleted: true });
    expect(fake.events.slice(-2).map((e) => e.type)).toEqual(['customer.updated', 'customer.deleted']);
  });
});

describe('parseFormBody', () => {
  it.each<[string, unknown]>([
    ['a=1&b=two', { a: '1', b: 'two' }],
    ['items[0][price]=p1&items[0][quantity]=2&items[1][price]=p2', { items: [{ price: 'p1', quantity: '2' }, { price: 'p2' }] }],
    ['metadata[user_id]=u%201&metadata[x]=', { metadata: { user_id: 'u 1', x: '' } }],
    ['expand[]=latest_invoice&expand[]=customer', { expand: ['latest_invoice', 'customer'] }],
    ['expand[0]=a&expand[1]=b', { expand: ['a', 'b'] }],
    ['subscription_data[trial_period_days]=14&subscription_data[metadata][k]=v', { subscription_data: { trial_period_days: '14', metadata: { k: 'v' } } }],
    ['q=email%3A%27a%2Bb%40x.io%27', { q: "email:'a+b@x.io'" }],
    ['', {}],
  ])('%s', (input, expected) => {
    expect(parseFormBody(input)).toEqual(expected);
  });
});
