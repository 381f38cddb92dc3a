import type Stripe from 'stripe';
import { PaymentEntity, WebhookEventEntity } from '../../lib';
import { FakeStripe, signStripePayload } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { TestUser } from '../support/test-user.entity';
import { subscribe } from './support/fake-flows';

const DAY = 86_400;
const BILLING_FIELDS = ['stripeCustomerId', 'stripeSubscriptionId', 'subscriptionStatus', 'plan', 'currentPeriodStart', 'currentPeriodEnd', 'cancelAtPeriodEnd', 'cancelAt', 'trialEnd', 'pastDueSince'] as const;

/**
 * One FakeStripe, two apps on two databases: one endpoint gets snapshot events, the other the thin
 * `v1.*` notifications of the very same changes. Both must end in the same billing state.
 */
describe.each(testDatabases(['sqlite', 'postgres']))('thin event notifications on %s', (kind) => {
  let dbs: TestDatabase[] = [];
  let fake: FakeStripe;
  let snapshotApp: TestApp;
  let thinApp: TestApp;
  let stripe: Stripe;

  beforeAll(async () => {
    dbs = [await createTestDatabase(kind), await createTestDatabase(kind)];
    fake = await FakeStripe.start({ seed: 81 });
    snapshotApp = await startTestApp({ db: dbs[0], fake });
    thinApp = await startTestApp({ db: dbs[1], fake, registerWithFake: false });
    fake.addWebhookEndpoint(`${thinApp.url}/api/payments/webhook`, undefined, { payload: 'thin' });
    stripe = fake.client();
  });
  afterAll(async () => {
    await snapshotApp?.close();
    await thinApp?.close();
    await fake?.stop();
    for (const db of dbs) await db.drop();
  });

  const settle = () => fake.waitForDeliveries(15_000);
  const billing = async (t: TestApp, id: number) => {
    const row = await t.dataSource.getRepository(TestUser).findOneByOrFail({ id });
    return Object.fromEntries(BILLING_FIELDS.map((f) => [f, row[f] instanceof Date ? (row[f] as Date).toISOString() : row[f]]));
  };

  it('a checkout, a plan change, a cancel at period end and the period’s end: the same state both ways', async () => {
    // Same user id in both fresh databases, one Stripe customer for both.
    const users = [await snapshotApp.createUser('thin@example.test'), await thinApp.createUser('thin@example.test')];
    expect(users[0].id).toBe(users[1].id);
    const customer = await stripe.customers.create({ email: 'thin@example.test', metadata: { billable_id: String(users[0].id) } });
    for (const t of [snapshotApp, thinApp]) await t.dataSource.getRepository(TestUser).update({ id: users[0].id }, { stripeCustomerId: customer.id });
    const user = { ...users[0], stripeCustomerId: customer.id } as TestUser;

    const subId = await subscribe(fake, stripe, user);
    await settle();
    expect(await billing(thinApp, user.id)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active', stripeSubscriptionId: subId });
    expect(await billing(thinApp, user.id)).toEqual(await billing(snapshotApp, user.id));

    const sub = await stripe.subscriptions.retrieve(subId);
    await stripe.subscriptions.update(subId, { items: [{ id: sub.items.data[0].id, price: 'price_enterprise_month' }], proration_behavior: 'always_invoice' });
    await stripe.subscriptions.update(subId, { cancel_at_period_end: true });
    await settle();
    expect(await billing(thinApp, user.id)).toMatchObject({ plan: 'enterprise', cancelAtPeriodEnd: true });
    expect(await billing(thinApp, user.id)).toEqual(await billing(snapshotApp, user.id));

    await fake.advanceTime(32 * DAY);
    await settle();
    expect(await billing(thinApp, user.id)).toMatchObject({ subscriptionStatus: 'canceled', plan: null });
    expect(await billing(thinApp, user.id)).toEqual(await billing(snapshotApp, user.id));

    const payments = async (t: TestApp) =>
      (await t.dataSource.getRepository(PaymentEntity).find({ order: { id: 'ASC' } })).map((p) => [p.id, p.amountPaid, p.stripeSubscriptionId]);
    expect((await payments(thinApp)).length).toBeGreaterThanOrEqual(2);
    expect(await payments(thinApp)).toEqual(await payments(snapshotApp));

    // The thin app's inbox is keyed by the snapshot event ids, so both kinds of delivery dedupe together.
    const inbox = async (t: TestApp) => (await t.dataSource.getRepository(WebhookEventEntity).find()).map((e) => e.id).sort();
    expect(await inbox(thinApp)).toEqual(await inbox(snapshotApp));
    // It fetched each related object instead of reading a payload.
    expect(fake.requests.some((r) => r.method === 'GET' && r.path === `/v1/subscriptions/${subId}`)).toBe(true);
  });

  it('a thin notification delivered twice, or after its snapshot twin, is processed once', async () => {
    const event = fake.events.find((e) => e.type === 'customer.subscription.created')!;
    const subId = (event.data.object as { id: string }).id;
    const notification = {
      id: 'evt_thin_dup', object: 'v2.core.event', type: `v1.${event.type}`, created: new Date(event.created * 1000).toISOString(), livemode: false, context: null,
      related_object: { id: subId, type: 'subscription', url: `/v1/subscriptions/${subId}` }, snapshot_event: event.id,
    };
    const post = async () => {
      const body = JSON.stringify(notification);
      const res = await fetch(`${thinApp.url}/api/payments/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload(body, fake.webhookSecret) } });
      return { status: res.status, body: (await res.json()) as { outcome?: string; code?: string } };
    };
    expect(await post()).toEqual({ status: 200, body: { received: true, outcome: 'duplicate' } });
    expect(await post()).toEqual({ status: 200, body: { received: true, outcome: 'duplicate' } });
  });

  it('refuses a signed thin body that is not a v1 notification or points outside /v1 (400, nothing processed)', async () => {
    const send = async (payload: object) => {
      const body = JSON.stringify(payload);
      const res = await fetch(`${thinApp.url}/api/payments/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload(body, fake.webhookSecret) } });
      return { status: res.status, code: ((await res.json()) as { code?: string }).code };
    };
    const base = { id: 'evt_thin_bad', object: 'v2.core.event', created: new Date().toISOString(), livemode: false };
    expect(await send({ ...base, type: 'v2.core.account.updated' })).toEqual({ status: 400, code: 'invalid_request' });
    expect(await send({ ...base, type: 'v1.customer.updated', related_object: { id: 'x', type: 'customer', url: 'https://evil.example/v1/customers/x' } })).toEqual({ status: 400, code: 'invalid_request' });
    expect(await thinApp.dataSource.getRepository(WebhookEventEntity).findOneBy({ id: 'evt_thin_bad' })).toBeNull();
  });
});
