import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { PaymentsHealthIndicator, WebhookEventEntity, WorkItemEntity, WorkQueue } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { startTestApp, TestApp } from '../support/test-app';

/** The app's health route, as Terminus' docs write one. */
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly payments: PaymentsHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.payments.isHealthy('payments', { stripeCacheSeconds: 30, maxFailedEvents: 1, maxBacklogAgeSeconds: 600 })]);
  }
}

describe.each(testDatabases())('PaymentsHealthIndicator in a Terminus app on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let t: TestApp;
  const probe = async () => {
    const res = await fetch(`${t.url}/api/health`);
    return { status: res.status, body: (await res.json()) as any };
  };
  const addEvent = (id: string, status: string, ageSeconds: number) =>
    t.dataSource.getRepository(WebhookEventEntity).insert({
      id,
      type: 'invoice.paid',
      status: status as never,
      attempts: 1,
      lastError: null,
      objectId: null,
      livemode: false,
      stripeCreatedAt: new Date(),
      receivedAt: new Date(Date.now() - ageSeconds * 1000),
      processedAt: null,
      lockedUntil: null,
    });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 16 });
    t = await startTestApp({ db, fake, imports: [TerminusModule], controllers: [HealthController] });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await db?.drop();
  });

  it('answers 200 up with the details, and asks Stripe once for many probes', async () => {
    const before = fake.requests.length;
    const answers = await Promise.all(Array.from({ length: 5 }, probe));
    answers.push(await probe(), await probe());
    for (const answer of answers) {
      expect(answer).toEqual({
        status: 200,
        body: expect.objectContaining({
          status: 'ok',
          info: { payments: { status: 'up', database: 'up', stripe: 'up', failedEvents: 0, oldestUnprocessedSeconds: 0, failedWorkItems: 0, oldestDueWorkSeconds: 0, flaggedMeterWindows: 0, problems: [] } },
        }),
      });
    }
    const calls = fake.requests.slice(before);
    expect(calls.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/prices']);
  });

  it('answers 503 down when the webhook backlog is over the thresholds, naming each problem', async () => {
    await addEvent('evt_health_processed', 'processed', 7200);
    expect((await probe()).status).toBe(200);
    await addEvent('evt_health_failed_1', 'failed', 60);
    await addEvent('evt_health_failed_2', 'failed', 60);
    await addEvent('evt_health_stuck', 'processing', 1200);
    const { status, body } = await probe();
    expect(status).toBe(503);
    expect(body.error.payments).toMatchObject({ status: 'down', database: 'up', stripe: 'up', failedEvents: 2 });
    expect(body.error.payments.oldestUnprocessedSeconds).toBeGreaterThanOrEqual(1200);
    expect(body.error.payments.problems).toEqual([
      '2 webhook events failed (more than 1); see events:failed and events:replay.',
      expect.stringMatching(/^The oldest unprocessed webhook event arrived \d+ s ago \(more than 600 s\)\.$/),
    ]);
    await t.dataSource.getRepository(WebhookEventEntity).delete({ id: 'evt_health_stuck' });
    await t.dataSource.getRepository(WebhookEventEntity).delete({ id: 'evt_health_failed_2' });
    expect((await probe()).status).toBe(200);
  });

  it('answers 503 down when work items failed or wait too long, and up again once retried and run', async () => {
    const payments = t.app.get(PaymentsHealthIndicator);
    const queue = t.app.get(WorkQueue);
    const items = t.dataSource.getRepository(WorkItemEntity);
    const row = (key: string, status: string, runAfter: Date) => ({ kind: 'health-check', key, payload: '{}', status: status as never, attempts: 3, runAfter, lockedUntil: null, lockedBy: null, orderKey: null, rerun: false, lastError: 'Error: boom', createdAt: new Date(), updatedAt: new Date() });
    await items.insert([row('f1', 'failed', new Date()), row('f2', 'failed', new Date()), row('late', 'pending', new Date(Date.now() - 7_200_000))]);
    const down = await payments.isHealthy('payments', { stripe: false, maxFailedWorkItems: 1, maxWorkBacklogAgeSeconds: 600 });
    expect(down.payments).toMatchObject({ status: 'down', database: 'up', failedWorkItems: 2 });
    expect(down.payments.oldestDueWorkSeconds).toBeGreaterThanOrEqual(7200);
    expect(down.payments.problems).toEqual([
      '2 work items failed (more than 1); see queue:failed and queue:retry.',
      expect.stringMatching(/^The most overdue work item has waited \d+ s \(more than 600 s\); are the queue's workers running\?$/),
    ]);
    queue.register({ kind: 'health-check', run: async () => 'done' });
    const failed = await queue.failed('health-check');
    for (const item of failed) expect(await queue.retry(item.id)).toBe(true);
    await queue.drain('health-check');
    const up = await payments.isHealthy('payments', { stripe: false, maxFailedWorkItems: 1, maxWorkBacklogAgeSeconds: 600 });
    expect(up.payments).toMatchObject({ status: 'up', failedWorkItems: 0, oldestDueWorkSeconds: 0, problems: [] });
  });

  it('reports Stripe down (no Stripe text) when Stripe does not answer, once the cached answer expired', async () => {
    const payments = t.app.get(PaymentsHealthIndicator);
    fake.faults.failNext({ method: 'GET', path: '/v1/prices' }, 1, { status: 500 });
    const result = await payments.isHealthy('payments', { stripeCacheSeconds: 0 });
    expect(result.payments).toMatchObject({ status: 'down', stripe: 'down', database: 'up' });
    expect(result.payments.problems).toEqual(['Stripe did not answer (StripeAPIError 500).']);
  });

  it('reports the database down (and does not throw) when it does not answer', async () => {
    const payments = t.app.get(PaymentsHealthIndicator);
    await t.dataSource.destroy();
    try {
      const result = await payments.isHealthy('payments', { stripe: false });
      expect(result.payments).toEqual({
        status: 'down',
        database: 'down',
        stripe: 'skipped',
        failedEvents: null,
        oldestUnprocessedSeconds: null,
        failedWorkItems: null,
        oldestDueWorkSeconds: null,
        flaggedMeterWindows: null,
        problems: ['The database did not answer.'],
      });
    } finally {
      await t.dataSource.initialize();
    }
  });
});
