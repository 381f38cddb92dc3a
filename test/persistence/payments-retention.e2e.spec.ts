import { PaymentsConfigError, PaymentsRetention, UsageRecordEntity, WebhookEventEntity, WebhookOperations, WorkItemEntity } from '../../lib';
import { parseCliArgs, runCliCommand } from '../../lib/cli/cli-commands';
import { PaymentsTransactions } from '../../lib/persistence/payments-transactions';
import { PAYMENTS_OPTIONS } from '../../lib/payments.constants';
import { resolvePaymentsOptions } from '../../lib/payments-options.validator';
import { createTestDatabase, testDatabases, TestDatabase } from '../support/test-databases';
import { startTestApp, TestApp } from '../support/test-app';
import { testPlans } from '../support/test-plans';
import { TestUser } from '../support/test-user.entity';

const DAY_MS = 86_400_000;
const NOW = new Date('2026-06-15T12:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS);

describe('retention options', () => {
  const base = { secretKey: 'sk_test_x', plans: testPlans, billableEntity: TestUser };

  it('defaults to 30 days, hourly, 1000 rows a batch, and a 24 h key window', () => {
    const resolved = resolvePaymentsOptions(base);
    expect(resolved.retention).toEqual({ webhookEventsDays: 30, usageRecordsDays: 30, intervalMs: 3_600_000, batchSize: 1000, workItemsDays: 7 });
    expect(resolved.usageIdempotency).toEqual({ windowSeconds: 86_400, inFlightWaitMs: 1000, maxStoredResponseBytes: 16_384 });
  });

  it.each([
    [{ retention: { webhookEventsDays: 1 } }, /retention\.webhookEventsDays must be at least 3/],
    [{ retention: { usageRecordsDays: 1 }, usageIdempotency: { windowSeconds: 2 * 86_400 } }, /retention\.usageRecordsDays must cover usageIdempotency\.windowSeconds \(172800 s\)/],
    [{ retention: { batchSize: 0 } }, /retention\.batchSize must be a whole number from 1 to 10000/],
    [{ retention: { intervalMs: -1 } }, /retention\.intervalMs/],
    [{ retention: { workItemsDays: 0 } }, /retention\.workItemsDays must be at least 1, not 0\./],
    [{ usageIdempotency: { maxStoredResponseBytes: 70_000 } }, /maxStoredResponseBytes must be a whole number from 0 to 65000/],
    [{ usageIdempotency: { windowSeconds: 0 } }, /usageIdempotency\.windowSeconds/],
    [{ usageIdempotency: { inFlightWaitMs: 1.5 } }, /usageIdempotency\.inFlightWaitMs/],
  ])('refuses %j at start-up', (extra, message) => {
    expect(() => resolvePaymentsOptions({ ...base, ...extra })).toThrow(PaymentsConfigError);
    expect(() => resolvePaymentsOptions({ ...base, ...extra })).toThrow(message);
  });
});

describe.each(testDatabases())('pruning on %s', (kind) => {
  let db: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    app = await startTestApp({ db, payments: { now: () => NOW, retention: { batchSize: 2, intervalMs: 0 } } });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const event = (id: string, status: WebhookEventEntity['status'], processedAt: Date | null, receivedAt = daysAgo(60)) =>
    app.dataSource.getRepository(WebhookEventEntity).insert({
      id, type: 'invoice.paid', status, attempts: 1, lastError: null, objectId: null, livemode: false,
      stripeCreatedAt: receivedAt, receivedAt, processedAt, lockedUntil: null,
    });
  const record = (key: string, createdAt: Date, status: UsageRecordEntity['status'] = 'committed') =>
    app.dataSource.getRepository(UsageRecordEntity).insert({
      billableId: '1', metric: 'api_calls', idempotencyKey: key, quantity: 1, periodStart: daysAgo(45), status, createdAt,
      reportedAt: null, responseStatus: 200, responseBody: '{"v":{"ok":true}}',
    });
  const workItem = (key: string, status: WorkItemEntity['status'], updatedAt: Date) =>
    app.dataSource.getRepository(WorkItemEntity).insert({
      kind: 'retention', key, payload: '{}', status, attempts: 1, runAfter: updatedAt, lockedUntil: null, lockedBy: null, orderKey: null, rerun: false, lastError: null, createdAt: updatedAt, updatedAt,
    });
  const ids = async () => ({
    events: (await app.dataSource.getRepository(WebhookEventEntity).find({ order: { id: 'ASC' } })).map((e) => e.id),
    records: (await app.dataSource.getRepository(UsageRecordEntity).find({ order: { idempotencyKey: 'ASC' } })).map((r) => r.idempotencyKey),
  });

  it('deletes processed/ignored inbox rows and usage records past their age, in batches, from two instances at once; never failed or pending rows', async () => {
    for (let i = 0; i < 5; i++) await event(`evt_old_processed_${i}`, 'processed', daysAgo(31 + i));
    await event('evt_old_ignored', 'ignored', daysAgo(40));
    await event('evt_recent_processed', 'processed', daysAgo(29));
    await event('evt_old_failed', 'failed', null);
    await event('evt_old_failed_once_done', 'failed', daysAgo(40));
    await event('evt_old_processing', 'processing', null);
    for (let i = 0; i < 5; i++) await record(`old-${i}`, daysAgo(31 + i));
    await record('old-reserved', daysAgo(50), 'reserved');
    await record('recent', daysAgo(29));
    await record('today', NOW);
    for (let i = 0; i < 3; i++) await workItem(`done-old-${i}`, 'done', daysAgo(8 + i));
    await workItem('done-recent', 'done', daysAgo(6));
    await workItem('failed-old', 'failed', daysAgo(30));
    await workItem('pending-old', 'pending', daysAgo(30));

    // A second instance's job at the same moment: the same rows are deleted once, whoever gets them.
    const other = new PaymentsRetention(app.app.get(PAYMENTS_OPTIONS), app.app.get(PaymentsTransactions));
    const [a, b] = await Promise.all([app.app.get(PaymentsRetention).prune(), other.prune()]);
    expect(a.webhookEvents + b.webhookEvents).toBe(6);
    expect(a.usageRecords + b.usageRecords).toBe(6);
    expect(a.workItems + b.workItems).toBe(3);
    expect((await app.dataSource.getRepository(WorkItemEntity).find({ order: { key: 'ASC' } })).map((w) => w.key)).toEqual(['done-recent', 'failed-old', 'pending-old']);
    expect(await ids()).toEqual({
      events: ['evt_old_failed', 'evt_old_failed_once_done', 'evt_old_processing', 'evt_recent_processed'],
      records: ['recent', 'today'],
    });
  });

  it('`prune` on the CLI does the same and prints what it deleted', async () => {
    await event('evt_cli_old', 'processed', daysAgo(100));
    await record('cli-old', daysAgo(100));
    const ops = app.app.get(WebhookOperations);
    const retention = app.app.get(PaymentsRetention);
    expect(await runCliCommand(ops, parseCliArgs(['prune']), retention)).toEqual({ code: 0, output: { webhookEvents: 1, usageRecords: 1, workItems: 0 } });
    expect(await runCliCommand(ops, parseCliArgs(['prune']), retention)).toEqual({ code: 0, output: { webhookEvents: 0, usageRecords: 0, workItems: 0 } });
    expect((await runCliCommand(ops, parseCliArgs(['prune']))).code).toBe(2);
  });

  it('runs on its own at retention.intervalMs', async () => {
    const ownDb = await createTestDatabase(kind);
    const own = await startTestApp({ db: ownDb, payments: { now: () => NOW, retention: { intervalMs: 50 } } });
    try {
      const repo = own.dataSource.getRepository(WebhookEventEntity);
      const row = { type: 'invoice.paid', attempts: 1, lastError: null, objectId: null, livemode: false, stripeCreatedAt: daysAgo(40), receivedAt: daysAgo(40), lockedUntil: null };
      await repo.insert([
        { ...row, id: 'evt_job_old', status: 'processed', processedAt: daysAgo(31) },
        { ...row, id: 'evt_job_failed', status: 'failed', processedAt: null },
      ]);
      for (let i = 0; i < 100 && (await repo.countBy({ id: 'evt_job_old' })) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await repo.find()).map((e) => e.id)).toEqual(['evt_job_failed']);
    } finally {
      await own.close();
      await ownDb.drop();
    }
  });
});
