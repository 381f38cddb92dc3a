import { MeterWindowEntity, UsageOperations } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { PaymentsTransactions } from '../../lib/persistence/payments-transactions';
import { UsageCounterEntity } from '../../lib/persistence/entities/usage-counter.entity';
import { jwtGuard } from '../billing/billing-kit';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { StatementCounter } from '../webhooks/support/statement-counter';
import { hitMetered, MeteredCallsController, meteredPlans, seedMeteredCatalog, subscribedTo, windowsOf } from './metering-kit';

const START = Date.UTC(2026, 10, 2, 9, 30) / 1000;

// The hot path of a metered use: what it costs in statements, and that the counter and the window
// rows stay equal when windows are sealed for their reports while uses are being counted.
describe.each(testDatabases())('counting metered uses on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;
  let statements: StatementCounter;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1415, startTime: START });
    seedMeteredCatalog(fake);
    app = await startTestApp({
      db, fake, controllers: [MeteredCallsController],
      payments: {
        plans: meteredPlans, authGuard: jwtGuard, now: () => new Date(fake.now() * 1000),
        metering: { windowMinutes: 60, graceSeconds: 60 },
        // Reports run only when the test asks, so the statements counted are the uses' own.
        queue: { workers: false },
      },
    });
    statements = new StatementCounter(app.app.get(PaymentsTransactions).dataSource);
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  const subscribed = () => subscribedTo(app, fake, 'payg');
  const hit = (user: number) => hitMetered(app, user);

  it('a use in a window already open is one statement on PostgreSQL (no transaction), like a flat use', async () => {
    const { user } = await subscribed();
    expect(await hit(user)).toBe(200); // opens the window row and enqueues its report
    const before = statements.texts.length;
    for (let i = 0; i < 20; i++) expect(await hit(user)).toBe(200);
    const texts = statements.texts.slice(before);
    const transactions = texts.filter((t) => /^(BEGIN|START TRANSACTION)/i.test(t)).length;
    if (kind === 'postgres') {
      expect(transactions).toBe(0);
      expect(texts.length).toBe(20);
    } else {
      // SQLite and MariaDB write the counter and the window in one transaction per use.
      expect(transactions).toBe(20);
    }
    expect((await windowsOf(app, user)).map((w) => [w.seq, w.quantity, w.status])).toEqual([[0, 21, 'open']]);
  });

  it('windows sealed for their reports while 300 uses are counted: counter = windows = Stripe, each window reported once', async () => {
    const { user, customer } = await subscribed();
    const ops = app.app.get(UsageOperations);
    const statuses: number[] = [];
    // Five waves of 60 concurrent uses, each racing a report that seals the open window; later uses open the next sequence.
    for (let wave = 0; wave < 5; wave++) {
      const uses = Array.from({ length: 60 }, () => hit(user).then((status) => statuses.push(status)));
      await Promise.all([...uses, new Promise((r) => setTimeout(r, 5)).then(() => ops.report())]);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(300);
    for (let i = 0; i < 20 && (await app.dataSource.getRepository(MeterWindowEntity).count({ where: [{ status: 'open' }, { status: 'sealed' }] })) > 0; i++) {
      await ops.report();
    }
    const windows = await windowsOf(app, user);
    const counter = await app.dataSource.getRepository(UsageCounterEntity).findOneByOrFail({ billableId: String(user), metric: 'api_calls' });
    const events = fake.meterEvents().filter((e) => e.customer === customer);
    // The reports did seal windows mid-burst: later uses went to new sequences.
    expect(windows.length).toBeGreaterThan(1);
    expect(Number(counter.used)).toBe(300);
    expect(windows.reduce((sum, w) => sum + w.quantity, 0)).toBe(300);
    expect(events.reduce((sum, e) => sum + Number(e.value), 0)).toBe(300);
    expect(new Set(events.map((e) => e.identifier)).size).toBe(events.length);
    expect(windows.every((w) => w.status === 'reported')).toBe(true);
  });
});
