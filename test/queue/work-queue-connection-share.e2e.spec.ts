import { describeEachDb } from '../support/test-databases';
import { eventually, gate, QueueApp, queueAppPerSuite } from './queue-kit';

const CONCURRENCY = 8;
const MAX_CONNECTIONS = 2;

// Issue 12: queue runs wait on Stripe with no connection held, so many run at once; their
// transactions must not then take the whole pool from the app's requests on the same instance.
describeEachDb(['postgres', 'mariadb'])('the queue share of the connection pool on %s', (kind) => {
  const app = queueAppPerSuite(kind, { workers: false, concurrency: CONCURRENCY, maxConnections: MAX_CONNECTIONS });
  let q: QueueApp;

  beforeAll(() => (q = app()));

  it(`holds at most ${MAX_CONNECTIONS} connections for runs at once, and a request's transaction never waits for them`, async () => {
    const release = gate();
    let inside = 0;
    let most = 0;
    q.queue.register({
      kind: 'share',
      run: async () => {
        // Each run's own transaction, held open until the test releases them.
        await q.transactions.run(async (tx) => {
          await tx.manager.query('SELECT 1');
          // A write nested in the run's transaction (an app handler calling a module API) takes a
          // second connection without waiting for the share: waiting would never end.
          await q.transactions.write((manager) => manager.query('SELECT 1'));
          most = Math.max(most, ++inside);
          await release.wait;
          inside--;
        });
        // A lone write counts too.
        await q.transactions.write((manager) => manager.query('SELECT 1'));
        return 'done';
      },
    });
    const items = Array.from({ length: CONCURRENCY }, (_, i) => ({ key: `s${i}`, payload: i }));
    await q.transactions.run((tx) => q.queue.enqueueMany(tx, 'share', items));
    const drained = q.queue.drain('share');
    try {
      await eventually('runs hold the share', () => inside === MAX_CONNECTIONS);
      // Outside a run: a transaction and a write go at once, beside the runs holding theirs.
      expect(await q.transactions.run(async (tx) => (await tx.manager.query('SELECT 2 AS v'))[0].v)).toEqual(expect.anything());
      expect(await q.transactions.write((manager) => manager.query('SELECT 3 AS v'))).toEqual(expect.anything());
      expect(inside).toBe(MAX_CONNECTIONS);
    } finally {
      release.open();
    }
    expect(await drained).toBe(CONCURRENCY);
    expect(most).toBe(MAX_CONNECTIONS);
    expect(q.queue.inFlightCount).toBe(0);
  });
});

