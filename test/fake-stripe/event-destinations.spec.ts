import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';
import { WebhookReceiver } from './webhook-receiver';

type Loose = Record<string, any>;

describe('FakeStripe event destinations: thin payloads and realistic delivery', () => {
  let fake: FakeStripe;
  let hooks: WebhookReceiver;
  let stripe: Stripe;

  afterEach(async () => {
    await fake?.stop();
    await hooks?.stop();
  });

  it('sends thin v1.* notifications the SDK verifies, whose event and related object it can fetch', async () => {
    fake = await FakeStripe.start({ seed: 21 });
    hooks = await new WebhookReceiver().start();
    stripe = fake.client();
    const { secret } = fake.addWebhookEndpoint(hooks.url, undefined, { payload: 'thin' });
    const customer = await stripe.customers.create({ email: 'thin@example.com' }, { idempotencyKey: 'thin-1' });
    await fake.waitForDeliveries();
    expect(hooks.received).toHaveLength(1);
    const raw = JSON.parse(hooks.received[0].body) as Loose;
    expect(Object.keys(raw).sort()).toEqual(['context', 'created', 'id', 'livemode', 'object', 'reason', 'related_object', 'snapshot_event', 'type']);
    expect(raw).toMatchObject({
      object: 'v2.core.event',
      type: 'v1.customer.created',
      livemode: false,
      related_object: { id: customer.id, type: 'customer', url: `/v1/customers/${customer.id}` },
      reason: { type: 'request', request: { idempotency_key: 'thin-1' } },
      snapshot_event: fake.events.find((e) => e.type === 'customer.created')!.id,
    });
    expect(raw.created).toBe(new Date(fake.events[fake.events.length - 1].created * 1000).toISOString());
    expect(raw).not.toHaveProperty('data');

    const notification = stripe.parseEventNotification(hooks.received[0].body, hooks.received[0].signature, secret);
    expect(notification.id).toBe(raw.id);
    expect(() => stripe.parseEventNotification(hooks.received[0].body, hooks.received[0].signature, 'whsec_wrong')).toThrow();
    expect(await notification.fetchEvent()).toMatchObject({ id: raw.id, type: 'v1.customer.created', snapshot_event: raw.snapshot_event });
    expect(await (notification as unknown as { fetchRelatedObject(): Promise<Loose> }).fetchRelatedObject()).toMatchObject({ id: customer.id, object: 'customer' });
    await expect(stripe.v2.core.events.retrieve('evt_unknown')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('keeps a thin notification’s id across retries, like the snapshot event’s', async () => {
    fake = await FakeStripe.start({ seed: 22, retryScheduleMs: [5] });
    hooks = await new WebhookReceiver().start();
    hooks.respond = (_h, i) => (i === 0 ? 500 : 200);
    fake.addWebhookEndpoint(hooks.url, undefined, { payload: 'thin' });
    await fake.client().customers.create({});
    await fake.waitForDeliveries();
    const ids = hooks.received.map((h) => (JSON.parse(h.body) as Loose).id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
  });

  it('realistic delivery: every event arrives, some twice, not in emission order', async () => {
    const run = async (seed: number): Promise<string[]> => {
      fake = await FakeStripe.start({ seed, realisticDelivery: true });
      hooks = await new WebhookReceiver().start();
      fake.addWebhookEndpoint(hooks.url);
      for (let i = 0; i < 30; i++) await fake.client().customers.create({ email: `r${i}@example.com` });
      await fake.waitForDeliveries();
      const emitted = fake.events.map((e) => e.id);
      const received = hooks.received.map((h) => (JSON.parse(h.body) as Loose).id as string);
      expect(new Set(received)).toEqual(new Set(emitted));
      expect(received.length).toBeGreaterThan(emitted.length);
      expect(received.filter((id, i) => received.indexOf(id) === i)).not.toEqual(emitted);
      await fake.stop();
      await hooks.stop();
      return fake.deliveries.map((d) => d.eventId);
    };
    const delivered = await run(7);
    expect(delivered.length - new Set(delivered).size).toBeGreaterThan(0);
  });

  it('is off by default: one fixed order, once each', async () => {
    fake = await FakeStripe.start({ seed: 7 });
    hooks = await new WebhookReceiver().start();
    fake.addWebhookEndpoint(hooks.url);
    for (let i = 0; i < 10; i++) await fake.client().customers.create({});
    await fake.waitForDeliveries();
    expect(hooks.received.map((h) => (JSON.parse(h.body) as Loose).id)).toEqual(fake.events.map((e) => e.id));
  });
});
