import { RedisEntitlementsChannel } from '../../lib';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { eventually, QueueApp, recorder, startQueueApp } from './queue-kit';

describeEachDb(['postgres', 'mariadb'])('two WorkQueue instances on one %s database', (kind) => {
  let db: TestDatabase;
  let a: QueueApp;
  let b: QueueApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    a = await startQueueApp(db);
    b = await startQueueApp(db, {}, false);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('race over 500 items: each runs exactly once', async () => {
    const ran: string[] = [];
    const byInstance = { a: 0, b: 0 };
    for (const [name, app] of [['a', a], ['b', b]] as const) {
      app.queue.register({
        kind: 'race',
        run: async (item) => {
          ran.push(item.key);
          byInstance[name]++;
          return 'done';
        },
      });
    }
    for (let batch = 0; batch < 10; batch++) {
      const app = batch % 2 === 0 ? a : b;
      await app.transactions.run(async (tx) => {
        for (let i = 0; i < 50; i++) await app.queue.enqueue(tx, 'race', `item-${batch * 50 + i}`, { i });
      });
    }
    await eventually('500 runs', () => ran.length >= 500);
    await Promise.all([a.queue.drain('race'), b.queue.drain('race')]);
    expect(ran).toHaveLength(500);
    expect(new Set(ran).size).toBe(500);
    expect(byInstance.a).toBeGreaterThan(0);
    expect(byInstance.b).toBeGreaterThan(0);
    expect((await a.queue.stats()).find((s) => s.kind === 'race')).toMatchObject({ pending: 0, running: 0, done: 500, failed: 0 });
  });

  it('an item enqueued through a plain TypeORM transaction wakes its own instance after the commit', async () => {
    const { runs, handler } = recorder('plain-manager');
    a.queue.register(handler);
    await a.t.dataSource.transaction((manager) => a.queue.enqueue(manager, 'plain-manager', 'p', 'x'));
    await eventually('it ran', () => runs.length === 1);
  });
});

describeEachDb(['postgres'])('cross-instance wake-up on %s', (kind) => {
  it('another instance hears of new work by LISTEN/NOTIFY, long before its next poll', async () => {
    const db = await createTestDatabase(kind);
    const sleepy = await startQueueApp(db, { pollIntervalMs: 3_600_000 });
    const producer = await startQueueApp(db, { workers: false }, false);
    try {
      const { runs, handler } = recorder('announced');
      sleepy.queue.register(handler);
      // register() woke it once; let that claim find nothing first.
      await sleepy.queue.drain('announced');
      await producer.transactions.run((tx) => producer.queue.enqueue(tx, 'announced', 'n', 1));
      await eventually('the sleeping instance ran it', () => runs.length === 1);
    } finally {
      await producer.close();
      await sleepy.close();
      await db.drop();
    }
  });
});

describeEachDb(['mariadb'])('cross-instance wake-up over Redis on %s', (kind) => {
  it('the entitlements Redis channel carries work announcements on its own channel name', async () => {
    const db = await createTestDatabase(kind);
    const channelName = `nhp-test:${process.pid}:${Date.now()}`;
    const redis = () => ({ entitlementsChannel: new RedisEntitlementsChannel({ url: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', channel: channelName }) });
    const sleepy = await startQueueApp(db, { pollIntervalMs: 3_600_000 }, true, redis());
    const producer = await startQueueApp(db, { workers: false }, false, redis());
    try {
      const { runs, handler } = recorder('announced');
      sleepy.queue.register(handler);
      await sleepy.queue.drain('announced');
      await producer.transactions.run((tx) => producer.queue.enqueue(tx, 'announced', 'n', 1));
      await eventually('the sleeping instance ran it', () => runs.length === 1);
    } finally {
      await producer.close();
      await sleepy.close();
      await db.drop();
    }
  });
});
