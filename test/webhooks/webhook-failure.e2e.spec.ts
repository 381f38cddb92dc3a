import type Stripe from 'stripe';
import { PaymentEntity, WebhookEventEntity, WebhookOperations } from '../../lib';
import { FakeStripe, signStripePayload } from '../../lib/testing';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { startTestApp, TestApp } from '../support/test-app';
import { reload, subscribe, userWithCustomer } from './support/fake-flows';
import { postWebhook } from './support/webhook-helpers';
import { RecordingHandlers } from './support/recording-handlers';

describe.each(testDatabases())('webhook failures on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let t: TestApp;
  let stripe: Stripe;
  let recorder: RecordingHandlers;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 7 });
    // Inline: a throwing handler answers 500 only inline (queued retries it in the queue: webhook-queued covers that).
    t = await startTestApp({ db, fake, providers: [RecordingHandlers], registerWithFake: true, payments: { webhook: { processing: 'inline' } } });
    stripe = fake.client();
    recorder = t.app.get(RecordingHandlers);
    // These tests deliver by hand: the fake only keeps the events.
    fake.pauseDeliveries();
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await db?.drop();
  });

  /** A paid subscription whose events were not delivered; returns its invoice.paid event. */
  async function undeliveredInvoicePaid() {
    const user = await userWithCustomer(t, stripe);
    const before = fake.events.length;
    await subscribe(fake, stripe, user);
    const event = fake.events.slice(before).find((e) => e.type === 'invoice.paid')!;
    return { user, event, body: JSON.stringify(event) };
  }
  const send = (body: string) => postWebhook(t.url, body, { secret: fake.webhookSecret });
  const inboxRow = (id: string) => t.dataSource.getRepository(WebhookEventEntity).findOneByOrFail({ id });
  const payments = (id: string) => t.dataSource.getRepository(PaymentEntity).countBy({ id });

  it('a handler that throws once → 5xx with nothing written, then processed once on the retry', async () => {
    const { user, event, body } = await undeliveredInvoicePaid();
    recorder.failInvoicePaid = 1;
    const first = await send(body);
    expect(first).toEqual({ status: 500, json: { statusCode: 500, code: 'webhook_failed', message: expect.any(String) } });
    const after = await reload(t, user.id);
    expect(after).toMatchObject({ plan: null, subscriptionStatus: null, email: user.email, billingVersion: user.billingVersion });
    expect(await payments((event.data.object as Stripe.Invoice).id)).toBe(0);
    expect(await inboxRow(event.id)).toMatchObject({ status: 'failed', attempts: 1, lockedUntil: null, lastError: expect.stringContaining('handler failed on purpose') });

    const retry = await send(body);
    expect(retry).toEqual({ status: 200, json: { received: true, outcome: 'processed' } });
    expect(await reload(t, user.id)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active', email: `paid-${event.id}@example.test` });
    expect(await payments((event.data.object as Stripe.Invoice).id)).toBe(1);
    expect(await inboxRow(event.id)).toMatchObject({ status: 'processed', attempts: 2, lastError: null });
    expect(recorder.stripeEvents.filter((e) => e.id === event.id)).toHaveLength(1);
    expect((await send(body)).json.outcome).toBe('duplicate');
  });

  it('lists a failed event and replays it from Stripe (WebhookOperations, as the CLI does)', async () => {
    const { user, event, body } = await undeliveredInvoicePaid();
    recorder.failInvoicePaid = 1;
    expect((await send(body)).status).toBe(500);
    const ops = t.app.get(WebhookOperations);
    expect((await ops.failedEvents()).map((e) => e.id)).toContain(event.id);
    const [result] = (await ops.replayAllFailed()).filter((r) => r.id === event.id);
    expect(result).toEqual({ id: event.id, outcome: 'processed' });
    expect(await reload(t, user.id)).toMatchObject({ plan: 'pro' });
    expect((await ops.failedEvents()).map((e) => e.id)).not.toContain(event.id);
    expect(await ops.replay(event.id)).toEqual({ id: event.id, outcome: 'duplicate' });
  });

  it('resyncs a billable whose events never arrived', async () => {
    const { user } = await undeliveredInvoicePaid();
    expect((await reload(t, user.id)).plan).toBeNull();
    const ops = t.app.get(WebhookOperations);
    expect(await ops.resync(String(user.id))).toEqual({ synced: 1, failed: [] });
    expect(await reload(t, user.id)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
    const all = await ops.resyncAll();
    expect(all.failed).toEqual([]);
    expect(all.synced).toBeGreaterThanOrEqual(3);
  });

  if (kind === 'postgres') {
    it('the database connection dies mid-processing → 5xx, never 2xx without a commit; processed after recovery', async () => {
      const { user, event, body } = await undeliveredInvoicePaid();
      recorder.duringInvoicePaid = async (ctx) => {
        // Kills this transaction's own backend, as a database crash would.
        await ctx.manager.query('SELECT pg_terminate_backend(pg_backend_pid())');
      };
      const first = await send(body);
      expect(first.status).toBe(500);
      expect(await reload(t, user.id)).toMatchObject({ plan: null, email: user.email });
      expect(await payments((event.data.object as Stripe.Invoice).id)).toBe(0);
      expect((await inboxRow(event.id)).status).toBe('failed');
      const retry = await send(body);
      expect(retry.status).toBe(200);
      expect(await reload(t, user.id)).toMatchObject({ plan: 'pro', email: `paid-${event.id}@example.test` });
      expect(await payments((event.data.object as Stripe.Invoice).id)).toBe(1);
    });
  }

  it("a type only the app's '*' handler sees → 200, stored as processed (webhook-http covers ignored)", async () => {
    const body = JSON.stringify({ id: 'evt_unknown_type_1', object: 'event', type: 'radar.early_fraud_warning.created', created: 1, livemode: false, data: { object: { id: 'issfr_1' } } });
    expect(await postWebhook(t.url, body, { signature: signStripePayload(body, fake.webhookSecret) })).toEqual({ status: 200, json: { received: true, outcome: 'processed' } });
    expect((await inboxRow('evt_unknown_type_1')).status).toBe('processed');
  });
});
