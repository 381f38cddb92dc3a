import { Client } from 'pg';
import type Stripe from 'stripe';
import { WebhookEventEntity, WebhookOperations } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { startTestApp, TestApp } from '../support/test-app';
import { reload, subscribe, userWithCustomer } from './support/fake-flows';
import { LogCapture } from '../support/log-capture';
import { plainEvent, postWebhook } from './support/webhook-helpers';

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

// Issue 10, item 4: a failure before processing (the database unreachable or failing) must never
// be silent, and an event id or type longer than its column is a 400 on every database.
describe.each(testDatabases())('webhook failures before processing on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let t: TestApp;
  let stripe: Stripe;
  let logger: LogCapture;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 41 });
    logger = new LogCapture();
    // Inline: these tests assert the route's own answers ('processed', a 500 per failed delivery and its one error line).
    t = await startTestApp({ db, fake, logger, payments: { webhook: { processing: 'inline' } } });
    stripe = fake.client();
    // These tests deliver by hand: the fake only keeps the events.
    fake.pauseDeliveries();
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await db?.drop();
  });

  const send = (body: string) => postWebhook(t.url, body, { secret: fake.webhookSecret });
  const inboxRow = (id: string) => t.dataSource.getRepository(WebhookEventEntity).findOneBy({ id });

  /** A paid subscription whose events were not delivered; returns its invoice.paid event. */
  async function undeliveredInvoicePaid() {
    const user = await userWithCustomer(t, stripe);
    const before = fake.events.length;
    await subscribe(fake, stripe, user);
    const event = fake.events.slice(before).find((e) => e.type === 'invoice.paid')!;
    return { user, event, body: JSON.stringify(event) };
  }

  /** Asserts one error line per 5xx, naming the event, with no secret and nothing of the payload. */
  function expectOneErrorLine(event: Stripe.Event, from: number, answered5xx: number): void {
    const lines = logger.matching('error', [event.id, event.type], from);
    expect(lines).toHaveLength(answered5xx);
    expect(logger.matching('error', [], from)).toHaveLength(answered5xx);
    const invoice = event.data.object as Stripe.Invoice;
    for (const line of lines) {
      expect(line).not.toContain(fake.webhookSecret);
      expect(line).not.toContain(fake.secretKey);
      expect(line).not.toContain(invoice.customer as string);
    }
  }

  it('the inbox table failing → 500 with exactly one error line naming the event; replayed from that line once the database is back', async () => {
    const { user, event, body } = await undeliveredInvoicePaid();
    const from = logger.lines.length;
    await t.dataSource.query('ALTER TABLE payments_webhook_events RENAME TO payments_webhook_events_away');
    let answers: number[];
    try {
      answers = [(await send(body)).status, (await send(body)).status];
    } finally {
      await t.dataSource.query('ALTER TABLE payments_webhook_events_away RENAME TO payments_webhook_events');
    }
    expect(answers).toEqual([500, 500]);
    expectOneErrorLine(event, from, 2);
    expect(await reload(t, user.id)).toMatchObject({ plan: null });
    // Nothing reached the inbox, so `events:failed` cannot list it: the error line's replay command is the way back.
    expect(await inboxRow(event.id)).toBeNull();
    expect(logger.matching('error', [`events:replay ${event.id}`], from)).toHaveLength(2);
    expect(await t.app.get(WebhookOperations).replay(event.id)).toEqual({ id: event.id, outcome: 'processed' });
    expect(await reload(t, user.id)).toMatchObject({ plan: 'pro' });

    // Stripe's next retry finds it done.
    expect(await send(body)).toEqual({ status: 200, json: { received: true, outcome: 'duplicate' } });
    expect(logger.matching('error', [event.id], from)).toHaveLength(2);
  });

  if (kind === 'postgres') {
    it('the database refusing every connection → 500 with one error line per delivery; processed after recovery', async () => {
      const { user, event, body } = await undeliveredInvoicePaid();
      const from = logger.lines.length;
      const name = (db.options as { url: string }).url.split('/').pop()!;
      const admin = new Client({ connectionString: ADMIN_URL });
      await admin.connect();
      let answers: number[];
      try {
        await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        answers = [(await send(body)).status, (await send(body)).status, (await send(body)).status];
      } finally {
        await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
        await admin.end();
      }
      expect(answers).toEqual([500, 500, 500]);
      expectOneErrorLine(event, from, 3);
      expect(await send(body)).toEqual({ status: 200, json: { received: true, outcome: 'processed' } });
      expect(await reload(t, user.id)).toMatchObject({ plan: 'pro' });
    });
  }

  it.each([
    ['an id one character longer than its column', 'x'.repeat(256 - 4), 'balance.available'],
    ['a type one character longer than its column', '', 'balance.' + 'a'.repeat(129 - 8)],
  ])('%s → 400 invalid_request, nothing stored, no error line', async (_name, idTail, type) => {
    const event = plainEvent(type);
    if (idTail) event.id = `evt_${idTail}`;
    const from = logger.lines.length;
    const res = await send(JSON.stringify(event));
    expect(res).toEqual({ status: 400, json: { statusCode: 400, code: 'invalid_request', message: expect.stringContaining('too long') } });
    expect(await inboxRow(event.id)).toBeNull();
    expect(logger.matching('error', [], from)).toEqual([]);
  });

  it('an id and a type exactly as long as their columns are stored whole', async () => {
    const event = plainEvent('balance.' + 'a'.repeat(128 - 8));
    event.id = `evt_${'y'.repeat(255 - 4)}`;
    expect(await send(JSON.stringify(event))).toEqual({ status: 200, json: { received: true, outcome: 'ignored' } });
    expect(await inboxRow(event.id)).toMatchObject({ id: event.id, type: event.type, status: 'ignored' });
  });
});
