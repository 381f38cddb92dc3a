import { WebhookEventEntity } from '../../lib';
import { WorkItemEntity } from '../../lib/persistence/entities/work-item.entity';
import { WorkQueue } from '../../lib/queue/work-queue.service';
import { buildStripeEvent, FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, DbKind, describeEachDb, TestDatabase } from '../support/test-databases';
import { postWebhook } from './support/webhook-helpers';

/** A trigger that refuses a webhook work item's completion: the last write of a worker's run fails. */
const refuseCompletion: Partial<Record<DbKind, string[]>> = {
  sqlite: [`CREATE TRIGGER refuse_done BEFORE UPDATE ON payments_work_items WHEN NEW.status = 'done' AND NEW.kind = 'webhook' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`],
  postgres: [
    `CREATE OR REPLACE FUNCTION refuse_done() RETURNS trigger AS $$ BEGIN IF NEW.status = 'done' AND NEW.kind = 'webhook' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
    `CREATE TRIGGER refuse_done BEFORE UPDATE ON payments_work_items FOR EACH ROW EXECUTE FUNCTION refuse_done()`,
  ],
};

// Issue 12: a queued event's work item is marked done in the transaction that applies the event, so
// the two commit together: one commit per event, and never an applied event whose item still runs.
describeEachDb(['sqlite', 'postgres'])('a queued webhook completes in its apply transaction on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1216 });
    t = await startTestApp({ db, fake, payments: { webhook: { processing: 'queued' }, queue: { workers: false } } });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await db?.drop();
  });

  const queue = () => t.app.get(WorkQueue);
  const accept = async (i: number) => {
    const event = buildStripeEvent('invoice.paid', { id: `in_finish_${i}`, customer: `cus_finish_${i}` });
    expect((await postWebhook(t.url, JSON.stringify(event), { secret: fake.webhookSecret })).json.outcome).toBe('queued');
    return event.id;
  };
  const state = async (id: string) => ({
    inbox: (await t.dataSource.getRepository(WebhookEventEntity).findOneByOrFail({ id })).status,
    item: (await t.dataSource.getRepository(WorkItemEntity).findOneByOrFail({ kind: 'webhook', key: id })).status,
  });

  it('a run leaves its event processed and its work item done', async () => {
    const ids = [await accept(1), await accept(2), await accept(3)];
    expect(await queue().drain('webhook')).toBe(3);
    for (const id of ids) expect(await state(id)).toEqual({ inbox: 'processed', item: 'done' });
  });

  it('when the completion fails, the event is not applied either: it stays queued and the next run applies it once', async () => {
    const id = await accept(9);
    for (const sql of refuseCompletion[kind]!) await t.dataSource.query(sql);
    try {
      await queue().drain('webhook');
      expect(await state(id)).toEqual({ inbox: 'queued', item: 'pending' });
    } finally {
      await t.dataSource.query('DROP TRIGGER refuse_done' + (kind === 'postgres' ? ' ON payments_work_items' : ''));
    }
    await t.dataSource.getRepository(WorkItemEntity).update({ kind: 'webhook', key: id }, { runAfter: new Date(0) });
    expect(await queue().drain('webhook')).toBe(1);
    expect(await state(id)).toEqual({ inbox: 'processed', item: 'done' });
    expect((await t.dataSource.getRepository(WorkItemEntity).findOneByOrFail({ kind: 'webhook', key: id })).attempts).toBe(2);
  });
});
