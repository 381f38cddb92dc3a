import type Stripe from 'stripe';
import { WebhookEventEntity, WebhookOperations } from '../../lib';
import { PaymentsTransactions } from '../../lib/persistence/payments-transactions';
import { buildStripeEvent, FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { reload, subscribe, userWithCustomer } from './support/fake-flows';
import { RecordingHandlers } from './support/recording-handlers';
import { StatementCounter } from './support/statement-counter';
import { postWebhook } from './support/webhook-helpers';

const EVENTS = 20;

// Issue 12, queued mode: the route answers once the event is committed; the queue's workers process it.
describeEachDb(['sqlite', 'postgres', 'mariadb'])('queued webhook processing on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let t: TestApp;
  let stripe: Stripe;
  let handlers: RecordingHandlers;
  let inbox: (id: string) => Promise<WebhookEventEntity | null>;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1213 });
    // Short retries so that the failure path runs its 8 attempts in the test's time.
    t = await startTestApp({ db, fake, providers: [RecordingHandlers], payments: { webhook: { processing: 'queued' }, queue: { retryBaseMs: 5, retryMaxMs: 20 } } });
    stripe = fake.client();
    handlers = t.app.get(RecordingHandlers);
    inbox = (id) => t.dataSource.getRepository(WebhookEventEntity).findOneBy({ id });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await db?.drop();
  });

  it('answers "queued" once the event is committed, then the workers apply it (waitForDeliveries waits for them)', async () => {
    const user = await userWithCustomer(t, stripe);
    const subscriptionId = await subscribe(fake, stripe, user);
    await fake.waitForDeliveries(15_000);
    expect(await reload(t, user.id)).toMatchObject({ stripeSubscriptionId: subscriptionId, subscriptionStatus: 'active', plan: 'pro' });
    const statuses = fake.deliveries.map((d) => d.status);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('acknowledges with the inbox row and the work item (one statement on PostgreSQL, two elsewhere), and no Stripe call in the request', async () => {
    const user = await userWithCustomer(t, stripe);
    const subscriptionId = await subscribe(fake, stripe, user);
    await fake.waitForDeliveries(15_000);
    // An instance without workers, so that only the acknowledgements are counted (SQLite in memory:
    // its own database; the events then simply stay queued there), with its own Stripe (same
    // webhook secret) so that the other instance's workers' calls are not counted as its own.
    const ownStripe = await FakeStripe.start({ seed: 1214, webhookSecret: fake.webhookSecret });
    const ackOnly = await startTestApp({
      db, fake: ownStripe, registerWithFake: false, synchronize: kind === 'sqlite',
      payments: { webhook: { processing: 'queued' }, queue: { workers: false } },
    });
    try {
      const counter = new StatementCounter(ackOnly.app.get(PaymentsTransactions).dataSource);
      for (let i = 0; i < EVENTS; i++) {
        const event = buildStripeEvent('customer.subscription.updated', { id: subscriptionId, customer: user.stripeCustomerId });
        expect(await postWebhook(ackOnly.url, JSON.stringify(event), { secret: fake.webhookSecret })).toEqual({ status: 200, json: { received: true, outcome: 'queued' } });
      }
      // Transaction control, and the queue's wake of other instances (PostgreSQL NOTIFY, after the commit), are not data statements.
      const control = /^(START TRANSACTION|BEGIN|COMMIT|SELECT pg_notify)/i;
      const data = counter.texts.filter((text) => !control.test(text)).length / EVENTS;
      const perEvent = counter.count / EVENTS;
      process.stdout.write(`statements per acknowledged event on ${kind}: ${data.toFixed(2)} data statements, ${perEvent.toFixed(2)} round trips in all (BEGIN/COMMIT and wake included)\n`);
      // PostgreSQL: both inserts in one statement, outside a transaction; elsewhere one transaction of two.
      expect(data).toBe(kind === 'postgres' ? 1 : 2);
      expect(perEvent).toBeLessThanOrEqual(kind === 'postgres' ? 2 : 5);
      expect(ownStripe.requests).toHaveLength(0);
    } finally {
      await ackOnly.close();
      await ownStripe.stop();
    }
    await t.settle();
    expect(await reload(t, user.id)).toMatchObject({ stripeSubscriptionId: subscriptionId, subscriptionStatus: 'active' });
  });

  it('a redelivery of a queued or processed event answers "duplicate" and runs nothing again', async () => {
    const user = await userWithCustomer(t, stripe);
    await subscribe(fake, stripe, user);
    await fake.waitForDeliveries(15_000);
    const event = buildStripeEvent('invoice.paid', { id: 'in_missing_queued', customer: user.stripeCustomerId });
    const body = JSON.stringify(event);
    const answers = await Promise.all([1, 2, 3].map(() => postWebhook(t.url, body, { secret: fake.webhookSecret })));
    expect(answers.map((a) => a.json.outcome).sort()).toEqual(['duplicate', 'duplicate', 'queued']);
    await t.settle();
    expect((await inbox(event.id))?.status).toBe('processed');
    expect(await postWebhook(t.url, body, { secret: fake.webhookSecret })).toEqual({ status: 200, json: { received: true, outcome: 'duplicate' } });
    await t.settle();
    expect(handlers.stripeEvents.filter((e) => e.id === event.id)).toHaveLength(1);
  });

  it('a failing event is retried by the queue, then stays failed (events:failed) and replays', async () => {
    const user = await userWithCustomer(t, stripe);
    await subscribe(fake, stripe, user);
    await fake.waitForDeliveries(15_000);
    // Fails on each of the queue's 8 attempts.
    handlers.failInvoicePaid = 8;
    const event = buildStripeEvent('invoice.paid', { id: 'in_missing_failing', customer: user.stripeCustomerId });
    expect((await postWebhook(t.url, JSON.stringify(event), { secret: fake.webhookSecret })).json.outcome).toBe('queued');
    await t.settle();
    const row = await inbox(event.id);
    expect(row).toMatchObject({ status: 'failed', attempts: 8 });
    expect(row?.lastError).toContain('handler failed on purpose');
    const operations = t.app.get(WebhookOperations);
    expect((await operations.failedEvents()).map((e) => e.id)).toContain(event.id);
    expect(handlers.failInvoicePaid).toBe(0);
    // A redelivery (Stripe's dashboard "resend") of a failed event queues it again.
    expect((await postWebhook(t.url, JSON.stringify(event), { secret: fake.webhookSecret })).json.outcome).toBe('queued');
    await t.settle();
    expect((await inbox(event.id))?.status).toBe('processed');
    expect(handlers.stripeEvents.filter((e) => e.id === event.id)).toHaveLength(1);
  });

  it('two events of one customer never run at once', async () => {
    const user = await userWithCustomer(t, stripe);
    await subscribe(fake, stripe, user);
    await fake.waitForDeliveries(15_000);
    let running = 0;
    let most = 0;
    handlers.duringEach = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
    };
    try {
      const events = Array.from({ length: 8 }, (_, i) => buildStripeEvent('invoice.paid', { id: `in_missing_order_${i}`, customer: user.stripeCustomerId }));
      await Promise.all(events.map((e) => postWebhook(t.url, JSON.stringify(e), { secret: fake.webhookSecret })));
      await t.settle();
      for (const e of events) expect((await inbox(e.id))?.status).toBe('processed');
    } finally {
      handlers.duringEach = undefined;
    }
    expect(most).toBe(1);
  });
});
