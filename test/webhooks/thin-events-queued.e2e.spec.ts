import type Stripe from 'stripe';
import { WebhookEventEntity, WebhookOperations } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { thinNotification, ThinEventNotification } from '../../lib/testing/event-payloads';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { testPrices } from '../support/test-plans';
import { reload, subscribe, userWithCustomer } from './support/fake-flows';
import { RecordingHandlers } from './support/recording-handlers';
import { StatementCounter } from './support/statement-counter';
import { postWebhook } from './support/webhook-helpers';

const DAY = 86_400;

/**
 * Issue 12, thin notifications in queued mode: the route commits the notification (inbox row keyed
 * by its snapshot event, work item) with no Stripe call; the worker fetches the related object and
 * runs the usual pipeline. The app runs no workers of its own (`queue.workers: false`), so nothing
 * is processed until the test drains the queue, and every Stripe call the fake saw before that was
 * made by a request.
 */
describeEachDb(['sqlite', 'postgres'])('thin event notifications in queued mode on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let t: TestApp;
  let stripe: Stripe;
  let handlers: RecordingHandlers;
  let thinCount = 0;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1215 });
    for (const price of testPrices) fake.createPrice(price);
    // No endpoint at the fake (until the last test): each test posts the notifications itself. No SDK
    // retries, so that each injected 500 fails one run of the queue.
    t = await startTestApp({
      db, fake, registerWithFake: false, providers: [RecordingHandlers],
      payments: { webhook: { processing: 'queued' }, queue: { workers: false, retryBaseMs: 5, retryMaxMs: 20 }, stripeMaxNetworkRetries: 0 },
    });
    stripe = fake.client();
    handlers = t.app.get(RecordingHandlers);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await db?.drop();
  });

  const inbox = (id: string) => t.dataSource.getRepository(WebhookEventEntity).findOneBy({ id });
  const thinOf = (event: Stripe.Event): ThinEventNotification => thinNotification(event, `evt_thin_${++thinCount}_${event.id.slice(4, 14)}`);
  const post = async (payload: object) => (await postWebhook(t.url, JSON.stringify(payload), { secret: fake.webhookSecret })).json as { outcome?: string };
  const runsOf = (id: string) => handlers.stripeEvents.filter((e) => e.id === id).length;
  /** The events Stripe emitted while `act` ran. */
  const eventsOf = async (act: () => Promise<unknown>): Promise<Stripe.Event[]> => {
    const mark = fake.events.length;
    await act();
    return fake.events.slice(mark);
  };

  it('acknowledges shuffled, repeated notifications with no Stripe call, then the worker fetches and applies each once', async () => {
    const user = await userWithCustomer(t, stripe);
    let subscriptionId = '';
    const events = await eventsOf(async () => (subscriptionId = await subscribe(fake, stripe, user)));
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['checkout.session.completed', 'customer.subscription.created', 'invoice.paid']));
    const notifications = events.map(thinOf);
    // Each twice: first newest first, then in another order.
    const rounds = [[...notifications].reverse(), [...notifications.slice(3), ...notifications.slice(0, 3)]];

    const stripeCallsBefore = fake.requests.length;
    const counter = new StatementCounter(t.dataSource);
    const outcomes = new Map<string, string[]>();
    for (const [round, deliveries] of rounds.entries()) {
      const statementsBefore = counter.texts.length;
      for (const n of deliveries) outcomes.set(n.snapshot_event, [...(outcomes.get(n.snapshot_event) ?? []), (await post(n)).outcome!]);
      // A first delivery is acknowledged with the inbox row and the work item (one statement on PostgreSQL), as a snapshot event is.
      const data = counter.texts.slice(statementsBefore).filter((text) => !/^(START TRANSACTION|BEGIN|COMMIT|SELECT pg_notify)/i.test(text));
      if (round === 0) expect(data.length).toBe((kind === 'postgres' ? 1 : 2) * deliveries.length);
    }
    expect(fake.requests.slice(stripeCallsBefore)).toEqual([]);
    for (const event of events) {
      expect(outcomes.get(event.id)).toEqual(['queued', 'duplicate']);
      // Keyed by the snapshot event, typed without `v1.`, about the related object: all from the notification.
      expect(await inbox(event.id)).toMatchObject({ status: 'queued', type: event.type, objectId: (event.data.object as { id: string }).id });
    }
    expect((await reload(t, user.id)).stripeSubscriptionId).toBeNull();

    await t.settle();
    expect(await reload(t, user.id)).toMatchObject({ stripeSubscriptionId: subscriptionId, subscriptionStatus: 'active', plan: 'pro' });
    // The worker fetched the related object, in the package's client.
    expect(fake.requests.slice(stripeCallsBefore).some((r) => r.method === 'GET' && r.path === `/v1/subscriptions/${subscriptionId}`)).toBe(true);
    for (const event of events) {
      expect((await inbox(event.id))?.status).toBe('processed');
      expect(runsOf(event.id)).toBe(1);
    }

    // The snapshot twins of the same changes (a destination switched over) are duplicates: nothing runs again.
    for (const event of events) expect(await post(event)).toMatchObject({ outcome: 'duplicate' });
    for (const n of notifications) expect(await post(n)).toMatchObject({ outcome: 'duplicate' });
    await t.settle();
    for (const event of events) expect(runsOf(event.id)).toBe(1);
  });

  it('a snapshot event queued first makes its thin twin a duplicate, and the other way round', async () => {
    const user = await userWithCustomer(t, stripe);
    const subscriptionId = await subscribe(fake, stripe, user);
    await t.settle();
    const [snapshotFirst] = await eventsOf(() => stripe.subscriptions.update(subscriptionId, { metadata: { step: 'one' } }));
    expect(await post(snapshotFirst)).toMatchObject({ outcome: 'queued' });
    expect(await post(thinOf(snapshotFirst))).toMatchObject({ outcome: 'duplicate' });
    const [thinFirst] = await eventsOf(() => stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true }));
    expect(await post(thinOf(thinFirst))).toMatchObject({ outcome: 'queued' });
    expect(await post(thinFirst)).toMatchObject({ outcome: 'duplicate' });
    await t.settle();
    expect(runsOf(snapshotFirst.id)).toBe(1);
    expect(runsOf(thinFirst.id)).toBe(1);
    expect(await reload(t, user.id)).toMatchObject({ subscriptionStatus: 'active', cancelAtPeriodEnd: true });
  });

  it('a failing fetch of the related object is retried by the queue and ends applied', async () => {
    const user = await userWithCustomer(t, stripe);
    const subscriptionId = await subscribe(fake, stripe, user);
    await t.settle();
    const sub = await stripe.subscriptions.retrieve(subscriptionId);
    const [event] = await eventsOf(() => stripe.subscriptions.update(subscriptionId, { items: [{ id: sub.items.data[0].id, price: 'price_enterprise_month' }], proration_behavior: 'none' }));
    expect(event.type).toBe('customer.subscription.updated');
    const path = `/v1/subscriptions/${subscriptionId}`;
    fake.faults.failNext({ method: 'GET', path }, 3, { status: 500 });
    const callsBefore = fake.requests.length;
    expect(await post(thinOf(event))).toMatchObject({ outcome: 'queued' });
    await t.settle();
    // Three runs failed on the fetch (each recorded, the event kept queued), the fourth applied it.
    expect(fake.requests.slice(callsBefore).filter((r) => r.path === path && r.status === 500)).toHaveLength(3);
    expect(await inbox(event.id)).toMatchObject({ status: 'processed', attempts: 3, lastError: null });
    expect(await reload(t, user.id)).toMatchObject({ plan: 'enterprise', subscriptionStatus: 'active' });
    expect(runsOf(event.id)).toBe(1);
  });

  it('a fetch failing on every attempt leaves the event failed (events:failed); a redelivery queues it again', async () => {
    const user = await userWithCustomer(t, stripe);
    const subscriptionId = await subscribe(fake, stripe, user);
    await t.settle();
    const [event] = await eventsOf(() => stripe.subscriptions.update(subscriptionId, { metadata: { step: 'failing' } }));
    const path = `/v1/subscriptions/${subscriptionId}`;
    fake.faults.failNext({ method: 'GET', path }, 1_000, { status: 503 });
    const notification = thinOf(event);
    try {
      expect(await post(notification)).toMatchObject({ outcome: 'queued' });
      await t.settle();
      const row = await inbox(event.id);
      expect(row).toMatchObject({ status: 'failed', attempts: 8, type: 'customer.subscription.updated' });
      // The recorded error names the failure, not Stripe's own message.
      expect(row?.lastError).toBeTruthy();
      expect(row?.lastError).not.toContain('injected by FakeStripe');
      expect((await t.app.get(WebhookOperations).failedEvents()).map((e) => e.id)).toContain(event.id);
      expect(runsOf(event.id)).toBe(0);
    } finally {
      fake.faults.clear();
    }
    // Stripe's retry (or the Dashboard's "Resend") of the notification queues it again.
    expect(await post(notification)).toMatchObject({ outcome: 'queued' });
    await t.settle();
    expect((await inbox(event.id))?.status).toBe('processed');
    expect(runsOf(event.id)).toBe(1);
  });

  it('refuses a notification whose snapshot_event would not fit the inbox (400 invalid_request, nothing stored, no Stripe call)', async () => {
    const [event] = fake.events.filter((e) => e.type === 'customer.subscription.created');
    const tooLong = `evt_${'x'.repeat(260)}`;
    const callsBefore = fake.requests.length;
    const answer = await postWebhook(t.url, JSON.stringify({ ...thinOf(event), snapshot_event: tooLong }), { secret: fake.webhookSecret });
    expect(answer).toMatchObject({ status: 400, json: { code: 'invalid_request' } });
    expect(await t.dataSource.getRepository(WebhookEventEntity).findOneBy({ id: tooLong })).toBeNull();
    expect(fake.requests.slice(callsBefore)).toEqual([]);
  });

  it('the fake’s own thin deliveries, each sent twice in shuffled order, end in the right state with each event run once', async () => {
    fake.addWebhookEndpoint(`${t.url}/api/payments/webhook`, undefined, { payload: 'thin' });
    fake.setDelivery({ times: 2, shuffle: true, concurrency: 4 });
    const user = await userWithCustomer(t, stripe);
    const events = await eventsOf(async () => {
      const subscriptionId = await subscribe(fake, stripe, user);
      await fake.waitForDeliveries(15_000);
      const sub = await stripe.subscriptions.retrieve(subscriptionId);
      await stripe.subscriptions.update(subscriptionId, { items: [{ id: sub.items.data[0].id, price: 'price_enterprise_month' }], proration_behavior: 'always_invoice' });
      await stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true });
      await fake.waitForDeliveries(15_000);
      expect(await reload(t, user.id)).toMatchObject({ plan: 'enterprise', cancelAtPeriodEnd: true, subscriptionStatus: 'active' });
      await fake.advanceTime(32 * DAY);
      await fake.waitForDeliveries(15_000);
    });
    expect(await reload(t, user.id)).toMatchObject({ subscriptionStatus: 'canceled', plan: null });
    const thinDeliveries = fake.deliveries.filter((d) => events.some((e) => e.id === d.eventId));
    expect(thinDeliveries.length).toBeGreaterThanOrEqual(2 * events.length);
    for (const event of events) {
      expect((await inbox(event.id))?.status).toMatch(/^(processed|ignored)$/);
      expect(runsOf(event.id)).toBe(1);
    }
  });
});
