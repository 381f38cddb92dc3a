import { isLockConflict } from '../../lib/persistence/lock-conflict';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { eventually, QueueApp, startQueueApp } from './queue-kit';

/**
 * Items of one order key must never run at once, however the claims of several workers and
 * instances interleave with enqueues. The dangerous moment: an older item of a key that was done is
 * enqueued again (pending with its old, small id) while a newer item of the key is being claimed.
 */
// SQLite has one instance: its workers (and a drain) claim concurrently there.
describeEachDb(['sqlite', 'postgres', 'mariadb'])('order keys under concurrent claims on %s', (kind) => {
  let db: TestDatabase;
  let a: QueueApp;
  let b: QueueApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    a = await startQueueApp(db, { concurrency: 8, pollIntervalMs: 20 });
    b = kind === 'sqlite' ? a : await startQueueApp(db, { concurrency: 8, pollIntervalMs: 20 }, false);
  });
  afterAll(async () => {
    await a?.close();
    if (b !== a) await b?.close();
    await db?.drop();
  });

  it('two items of one order key never run at the same time, while items are enqueued again from both instances', async () => {
    const running = new Map<string, string>();
    const overlaps: string[] = [];
    let runs = 0;
    for (const app of new Set([a, b])) {
      app.queue.register({
        kind: 'ordered',
        run: async (item) => {
          const { orderKey } = item.payload as { orderKey: string };
          const other = running.get(orderKey);
          if (other !== undefined) overlaps.push(`${item.key} started while ${other} ran`);
          running.set(orderKey, item.key);
          runs++;
          // Long enough for the other instance's claims to come by, short enough for many rounds.
          await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 4)));
          if (running.get(orderKey) === item.key) running.delete(orderKey);
          return 'done';
        },
      });
    }
    // 6 order keys × 4 items each, enqueued again at random from both instances: done items become
    // pending again with their old ids while their key's newer items are being claimed.
    const orderKeys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
    const enqueueFrom = async (app: QueueApp, until: number) => {
      while (Date.now() < until) {
        const orderKey = orderKeys[Math.floor(Math.random() * orderKeys.length)];
        const key = `${orderKey}:${Math.floor(Math.random() * 4)}`;
        // As the webhook intake does: MariaDB may roll an enqueue back to break a lock cycle (nothing applied).
        await app.transactions.run((tx) => app.queue.enqueue(tx, 'ordered', key, { orderKey }, { orderKey })).catch((error: unknown) => {
          if (!isLockConflict(error)) throw error;
        });
        // better-sqlite3 answers synchronously: let timers (the handlers' waits) in between.
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const until = Date.now() + 6_000;
    // Drains claim beside the workers (on SQLite the only other claimer).
    const drains = async () => {
      while (Date.now() < until) {
        await (Math.random() < 0.5 ? a : b).queue.drain('ordered');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await Promise.all([enqueueFrom(a, until), enqueueFrom(a, until), enqueueFrom(b, until), enqueueFrom(b, until), drains()]);
    // Each instance's workers run what is left; a drain would stop at items held back by the other's.
    await eventually('every item done', async () => {
      const stats = (await a.queue.stats()).find((s) => s.kind === 'ordered');
      return stats?.pending === 0 && stats.running === 0;
    });
    expect(runs).toBeGreaterThan(150);
    expect(overlaps).toEqual([]);
    expect((await a.queue.stats()).find((s) => s.kind === 'ordered')).toMatchObject({ failed: 0 });
  });
});
