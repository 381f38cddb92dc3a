import type Stripe from 'stripe';
import { PaymentEntity, WebhookEventEntity } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { startTestApp, TestApp } from '../support/test-app';
import { reload, subscribe, userWithCustomer } from './support/fake-flows';
import { postWebhook } from './support/webhook-helpers';
import { RecordingHandlers } from './support/recording-handlers';

describe.each(testDatabases())('concurrent duplicate deliveries on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  const apps: TestApp[] = [];
  let stripe: Stripe;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 11 });
    // Inline: these tests count the route's own 'processed' answers across concurrent duplicates (queued: webhook-queued, R2).
    const payments = { webhook: { processing: 'inline' as const } };
    apps.push(await startTestApp({ db, fake, providers: [RecordingHandlers], payments }));
    // Two instances on one database where the database allows it (an in-memory SQLite is per process).
    if (kind === 'postgres') apps.push(await startTestApp({ db, fake, providers: [RecordingHandlers], synchronize: false, registerWithFake: false, payments }));
    stripe = fake.client();
    fake.pauseDeliveries();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await fake?.stop();
    await db?.drop();
  });

  it('the same event 50× at once → processed once, no 5xx', async () => {
    const t = apps[0];
    const user = await userWithCustomer(t, stripe);
    const before = fake.events.length;
    await subscribe(fake, stripe, user);
    const event = fake.events.slice(before).find((e) => e.type === 'invoice.paid')!;
    const body = JSON.stringify(event);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => postWebhook(apps[i % apps.length].url, body, { secret: fake.webhookSecret })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(results.filter((r) => r.json?.outcome === 'processed')).toHaveLength(1);
    const seen = apps.flatMap((a) => a.app.get(RecordingHandlers).stripeEvents.filter((e) => e.id === event.id));
    expect(seen).toHaveLength(1);
    expect(await t.dataSource.getRepository(PaymentEntity).countBy({ id: (event.data.object as Stripe.Invoice).id })).toBe(1);
    expect(await t.dataSource.getRepository(WebhookEventEntity).findOneByOrFail({ id: event.id })).toMatchObject({ status: 'processed', attempts: 1 });
    expect(await reload(t, user.id)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
  });

  it('every event of a lifecycle delivered 3× concurrently to all instances → each applied once', async () => {
    const t = apps[0];
    const user = await userWithCustomer(t, stripe);
    const before = fake.events.length;
    const subId = await subscribe(fake, stripe, user);
    const sub = await stripe.subscriptions.retrieve(subId);
    await stripe.subscriptions.update(subId, { items: [{ id: sub.items.data[0].id, price: 'price_enterprise_month' }] });
    await stripe.subscriptions.cancel(subId);
    const events = fake.events.slice(before);
    const deliveries = events.flatMap((e) => [e, e, e]).map((e, i) => postWebhook(apps[i % apps.length].url, JSON.stringify(e), { secret: fake.webhookSecret }));
    const results = await Promise.all(deliveries);
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    expect(results.filter((r) => r.json?.outcome === 'processed' || r.json?.outcome === 'ignored')).toHaveLength(events.length);
    const row = await reload(t, user.id);
    expect(row).toMatchObject({ subscriptionStatus: 'canceled', plan: null, stripeSubscriptionId: subId });
    const billing = apps.flatMap((a) => a.app.get(RecordingHandlers).billingEvents.filter((e) => e.billableId === String(user.id)));
    // Re-fetching means every event sees the final (canceled) state: no transition is reported twice.
    const types = billing.map((e) => e.type);
    expect(new Set(types).size).toBe(types.length);
    expect(types).not.toContain('subscription.activated');
  });
});
