import Stripe from 'stripe';
import { FakeStripe, signStripePayload } from '../../lib/testing';
import { WebhookReceiver } from './webhook-receiver';

const verify = new Stripe('sk_test_unused');

describe('FakeStripe webhook delivery', () => {
  let fake: FakeStripe;
  let hooks: WebhookReceiver;
  let stripe: Stripe;

  beforeEach(async () => {
    fake = await FakeStripe.start({ seed: 99, retryScheduleMs: [10, 20, 30] });
    stripe = fake.client();
    hooks = await new WebhookReceiver().start();
  });
  afterEach(async () => {
    await fake.stop();
    await hooks.stop();
  });

  const createCustomers = async (n: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await stripe.customers.create({ email: `c${i}@example.com` })).id);
    return ids;
  };
  const receivedIds = () => hooks.received.map((h) => (JSON.parse(h.body) as Stripe.Event).id);

  it('signs exactly like Stripe: stripe.webhooks.constructEvent accepts it, a wrong secret does not', async () => {
    const { secret } = fake.addWebhookEndpoint(hooks.url, 'whsec_custom_endpoint');
    await createCustomers(1);
    await fake.waitForDeliveries();
    const [hook] = hooks.received;
    expect(verify.webhooks.constructEvent(hook.body, hook.signature, secret).type).toBe('customer.created');
    expect(() => verify.webhooks.constructEvent(hook.body, hook.signature, fake.webhookSecret)).toThrow();
    const t = Number(/t=(\d+)/.exec(hook.signature)![1]);
    expect(hook.signature).toBe(signStripePayload(hook.body, secret, t));
  });

  it('retries non-2xx answers (500 and 3xx) on the schedule, keeping the event id', async () => {
    fake.addWebhookEndpoint(hooks.url);
    hooks.respond = (_h, i) => (i === 0 ? 500 : i === 1 ? 302 : 200);
    const [cus] = await createCustomers(1);
    await fake.waitForDeliveries();
    expect(fake.deliveries.map((d) => [d.attempt, d.status])).toEqual([[1, 500], [2, 302], [3, 200]]);
    expect(new Set(receivedIds()).size).toBe(1);
    expect(fake.events[0].data.object).toMatchObject({ id: cus });
  });

  it('gives up after the schedule is exhausted, and waitForDeliveries still resolves', async () => {
    fake.addWebhookEndpoint(hooks.url);
    hooks.respond = () => 503;
    await createCustomers(1);
    await fake.waitForDeliveries();
    expect(fake.deliveries.map((d) => d.attempt)).toEqual([1, 2, 3, 4]);
  });

  it('times: delivers every event N times with the same id', async () => {
    fake.addWebhookEndpoint(hooks.url);
    fake.setDelivery({ times: 3 });
    await createCustomers(2);
    await fake.waitForDeliveries();
    const ids = receivedIds();
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(2);
  });

  it('shuffle: a seeded order that replays with the same seed', async () => {
    const orderFor = async (seed: number): Promise<string[]> => {
      const f = await FakeStripe.start({ seed });
      const r = await new WebhookReceiver().start();
      f.addWebhookEndpoint(r.url);
      f.setDelivery({ shuffle: true });
      f.pauseDeliveries();
      const s = f.client();
      for (let i = 0; i < 8; i++) await s.customers.create({ email: `s${i}@example.com` });
      f.resumeDeliveries();
      await f.waitForDeliveries();
      const order = r.received.map((h) => (JSON.parse(h.body) as Stripe.Event).data.object as Stripe.Customer).map((c) => c.email!);
      await f.stop();
      await r.stop();
      return order;
    };
    const a = await orderFor(1234);
    const b = await orderFor(1234);
    expect(a).toEqual(b);
    expect([...a].sort()).toEqual(Array.from({ length: 8 }, (_, i) => `s${i}@example.com`).sort());
    expect(a).not.toEqual(Array.from({ length: 8 }, (_, i) => `s${i}@example.com`));
  });

  it('drop: matching events are recorded but never delivered', async () => {
    fake.addWebhookEndpoint(hooks.url);
    fake.setDelivery({ drop: (e) => (e.data.object as Stripe.Customer).email === 'c1@example.com' });
    await createCustomers(3);
    await fake.waitForDeliveries();
    expect(fake.events.filter((e) => e.type === 'customer.created')).toHaveLength(3);
    expect(hooks.received).toHaveLength(2);
  });

  it('delayMs and concurrency: attempts overlap when concurrency > 1', async () => {
    fake.addWebhookEndpoint(hooks.url);
    fake.setDelivery({ delayMs: [20, 40], concurrency: 4 });
    const started = Date.now();
    await createCustomers(4);
    await fake.waitForDeliveries();
    expect(hooks.received).toHaveLength(4);
    // Four 20-40 ms delays run side by side, not one after another.
    expect(Date.now() - started).toBeLessThan(1000);
    const first = Math.min(...fake.deliveries.map((d) => d.at));
    expect(fake.deliveries.every((d) => d.at - first < 150)).toBe(true);
  });

  it('pause / resume / redeliver, and waitForDeliveries rejects while paused', async () => {
    fake.addWebhookEndpoint(hooks.url);
    fake.pauseDeliveries();
    await createCustomers(1);
    await expect(fake.waitForDeliveries(50)).rejects.toThrow(/paused/);
    expect(hooks.received).toHaveLength(0);
    fake.resumeDeliveries();
    await fake.waitForDeliveries();
    expect(hooks.received).toHaveLength(1);
    fake.redeliver(fake.events[0].id);
    await fake.waitForDeliveries();
    expect(receivedIds()).toEqual([fake.events[0].id, fake.events[0].id]);
  });

  it('events carry Stripe envelope fields, request ids and previous_attributes', async () => {
    fake.addWebhookEndpoint(hooks.url);
    const c = await stripe.customers.create({ email: 'env@example.com' }, { idempotencyKey: 'env-key' });
    await stripe.customers.update(c.id, { name: 'New' });
    const [created, updated] = fake.events.slice(-2);
    expect(created).toMatchObject({ object: 'event', api_version: '2026-10-28.endive', livemode: false, request: { idempotency_key: 'env-key' } });
    // Delivered while one endpoint still owed it; 0 once that endpoint answered 2xx.
    await fake.waitForDeliveries();
    expect(JSON.parse(hooks.received.find((h) => h.body.includes(created.id))!.body).pending_webhooks).toBe(1);
    expect(created.pending_webhooks).toBe(0);
    expect(created.request!.id).toMatch(/^req_/);
    expect(updated.data.previous_attributes).toEqual({ name: null });
    const listed = await stripe.events.list({ type: 'customer.*' });
    expect(listed.data.map((e) => e.id)).toEqual([updated.id, created.id]);
    expect((await stripe.events.retrieve(created.id)).type).toBe('customer.created');
  });
});
