import type Stripe from 'stripe';
import { WebhookEventEntity } from '../../lib';
import { WorkItemEntity } from '../../lib/persistence/entities/work-item.entity';
import { PaymentsTransactions } from '../../lib/persistence/payments-transactions';
import { WebhookIntake } from '../../lib/webhooks/queued/webhook-intake.service';
import { buildStripeEvent, FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, DbKind, describeEachDb, TestDatabase } from '../support/test-databases';
import { StatementCounter } from './support/statement-counter';
import { postWebhook } from './support/webhook-helpers';

const BURST = 60;
const POISON = 'evt_group_commit_poison';

/** A database trigger that refuses the inbox row of one event id: a real failure of one row in a batch. */
const refuseInboxRow: Record<DbKind, string[]> = {
  sqlite: [`CREATE TRIGGER refuse_poison BEFORE INSERT ON payments_webhook_events WHEN NEW.id = '${POISON}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`],
  postgres: [
    `CREATE OR REPLACE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN IF NEW.id = '${POISON}' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
    `CREATE TRIGGER refuse_poison BEFORE INSERT ON payments_webhook_events FOR EACH ROW EXECUTE FUNCTION refuse_poison()`,
  ],
  mariadb: [`CREATE TRIGGER refuse_poison BEFORE INSERT ON payments_webhook_events FOR EACH ROW BEGIN IF NEW.id = '${POISON}' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF; END`],
};

// Issue 12: deliveries that arrive together are acknowledged by one commit (group commit), with the
// same answers one commit each would give.
describeEachDb(['sqlite', 'postgres', 'mariadb'])('webhook acknowledgements committed together on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1215 });
    // No workers: the acknowledgements alone are counted, and what they committed stays to be read.
    t = await startTestApp({ db, fake, payments: { webhook: { processing: 'queued' }, queue: { workers: false } } });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await db?.drop();
  });

  const event = (i: number, id?: string): Stripe.Event => {
    const built = buildStripeEvent('invoice.paid', { id: `in_group_${i}`, customer: `cus_group_${i % 7}` });
    return id ? { ...built, id } : built;
  };
  const post = (e: Stripe.Event) => postWebhook(t.url, JSON.stringify(e), { secret: fake.webhookSecret });
  const workItems = (ids: string[]) => t.dataSource.getRepository(WorkItemEntity).findBy(ids.map((id) => ({ kind: 'webhook', key: id })));

  it(`a burst of ${BURST} deliveries over HTTP is queued whole: every one answered "queued", one work item each`, async () => {
    const events = Array.from({ length: BURST }, (_, i) => event(i));
    const answers = await Promise.all(events.map(post));
    expect(answers.every((a) => a.status === 200 && a.json.outcome === 'queued')).toBe(true);
    const ids = events.map((e) => e.id);
    const inbox = await t.dataSource.getRepository(WebhookEventEntity).findBy(ids.map((id) => ({ id })));
    expect(inbox.map((row) => row.status)).toEqual(ids.map(() => 'queued'));
    const items = await workItems(ids);
    expect(items).toHaveLength(BURST);
    expect(new Set(items.map((item) => JSON.parse(item.payload).event.id))).toEqual(new Set(ids));
  });

  it(`${BURST} events accepted at once take at most 3 commits, their work items in arrival order`, async () => {
    const counter = new StatementCounter(t.app.get(PaymentsTransactions).dataSource);
    const intake = t.app.get(WebhookIntake);
    const events = Array.from({ length: BURST }, (_, i) => event(400 + i));
    // In one tick: the first one or two are written at once (one writer on SQLite, two elsewhere), the rest wait and go together.
    expect(new Set(await Promise.all(events.map((e) => intake.accept(e))))).toEqual(new Set(['queued']));
    // PostgreSQL: one statement per batch; elsewhere one transaction (one COMMIT) per batch.
    const commits = kind === 'postgres' ? counter.texts.filter((text) => /^WITH inserted/.test(text)).length : counter.texts.filter((text) => /^COMMIT/i.test(text)).length;
    process.stdout.write(`group commit on ${kind}: ${BURST} events in ${commits} commits\n`);
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThanOrEqual(3);
    // SQLite, one writer: a batch is one read of the known ids and two inserts, whatever its size.
    const data = counter.texts.filter((text) => !/^(BEGIN|COMMIT|START TRANSACTION|SELECT pg_notify)/i.test(text)).length;
    if (kind === 'sqlite') expect(data).toBeLessThanOrEqual(3 * commits);
    // The first two may be written at the same moment (PostgreSQL, MariaDB); each batch keeps arrival order.
    const items = await workItems(events.map((e) => e.id));
    const byId = [...items].sort((a, b) => Number(a.id) - Number(b.id)).map((item) => item.key);
    expect(byId.filter((id) => !events.slice(0, 2).some((e) => e.id === id))).toEqual(events.slice(2).map((e) => e.id));
  });

  it('one event delivered three times within a batch is queued once; the others answer "duplicate"', async () => {
    const intake = t.app.get(WebhookIntake);
    const repeated = event(100);
    const others = Array.from({ length: 5 }, (_, i) => event(101 + i));
    // Submitted in one tick, so that they share batches.
    const outcomes = await Promise.all([repeated, ...others, repeated, repeated].map((e) => intake.accept(e)));
    expect(outcomes).toEqual(['queued', 'queued', 'queued', 'queued', 'queued', 'queued', 'duplicate', 'duplicate']);
    expect(await workItems([repeated.id])).toHaveLength(1);
  });

  it('an event the database refuses fails only its own delivery; the rest of its batch is queued', async () => {
    for (const sql of refuseInboxRow[kind]) await t.dataSource.query(sql);
    try {
      const intake = t.app.get(WebhookIntake);
      const events = Array.from({ length: 20 }, (_, i) => event(200 + i, i === 10 ? POISON : undefined));
      // In one tick: after the first writes, the rest wait and go as one batch, which the poison fails.
      const settled = await Promise.allSettled(events.map((e) => intake.accept(e)));
      expect(settled.map((s) => s.status)).toEqual(events.map((e) => (e.id === POISON ? 'rejected' : 'fulfilled')));
      const good = events.filter((e) => e.id !== POISON).map((e) => e.id);
      expect(await workItems(good)).toHaveLength(good.length);
      expect(await t.dataSource.getRepository(WebhookEventEntity).findOneBy({ id: POISON })).toBeNull();
      // Over HTTP the refused event is a 5xx (Stripe retries it), never a 2xx.
      expect((await post(event(300, POISON))).status).toBe(500);
    } finally {
      await t.dataSource.query(kind === 'postgres' ? 'DROP TRIGGER refuse_poison ON payments_webhook_events' : 'DROP TRIGGER refuse_poison');
    }
  });
});
