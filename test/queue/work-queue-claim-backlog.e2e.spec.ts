import { QueryRunner } from 'typeorm';
import { WorkItemStore } from '../../lib/queue/work-item.store';
import { describeEachDb } from '../support/test-databases';
import { QueueApp, queueAppPerSuite } from './queue-kit';

const KIND = 'backlog';
const ORDER_KEYS = 100;
const BACKLOG = 3000;
const LEASE_MS = 60_000;

/**
 * A claim in front of a big backlog (3,000 pending items over 100 order keys, enqueued round-robin
 * as webhook events for 100 subscriptions are, in a table the database has never analyzed): it must
 * take as many items as it asks for, each the earliest of its key, and on PostgreSQL read about as
 * many rows as it takes, not the whole backlog.
 */
describeEachDb(['sqlite', 'postgres', 'mariadb'])('a claim in front of a big backlog on %s', (kind) => {
  const app = queueAppPerSuite(kind, { workers: false });
  let q: QueueApp;
  let store: WorkItemStore;
  /** Item ids per order key, in enqueue order. */
  const idsOf = new Map<string, string[]>();

  beforeAll(async () => {
    q = app();
    store = new WorkItemStore(q.transactions);
    const items = Array.from({ length: BACKLOG }, (_, i) => ({ key: `evt_${i}`, payload: { i }, orderKey: `sub_${i % ORDER_KEYS}` }));
    for (let from = 0; from < items.length; from += 500) await q.transactions.run((tx) => q.queue.enqueueMany(tx, KIND, items.slice(from, from + 500)));
    const rows: { id: number | string; order_key: string }[] = await q.transactions.dataSource.query(`SELECT id, order_key FROM payments_work_items WHERE kind = '${KIND}' ORDER BY id`);
    for (const row of rows) idsOf.set(row.order_key, [...(idsOf.get(row.order_key) ?? []), String(row.id)]);
  });

  const heads = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => idsOf.get(`sub_${from + i}`)![0]).sort((a, b) => Number(a) - Number(b));

  it('takes as many items as it asks for, the earliest of each order key, skipping none', async () => {
    const first = await store.claim([KIND], 20, 'claim-1', LEASE_MS);
    expect(first.rows.map((r) => r.id)).toEqual(heads(0, 20));
    // The keys of the first claim are running: their later items are held back, the next keys' first items are taken.
    const second = await store.claim([KIND], 20, 'claim-2', LEASE_MS);
    expect(second.rows.map((r) => r.id)).toEqual(heads(20, 40));
  });

  if (kind !== 'sqlite') {
    it('skips the items another claimer holds locked and takes the next ones instead', async () => {
      const holder: QueryRunner = q.transactions.dataSource.createQueryRunner();
      await holder.connect();
      try {
        await holder.startTransaction();
        await holder.query(`SELECT id FROM payments_work_items WHERE id IN (${heads(40, 45).join(', ')}) FOR UPDATE`);
        const claim = await store.claim([KIND], 20, 'claim-3', LEASE_MS);
        expect(claim.rows.map((r) => r.id)).toEqual(heads(45, 65));
      } finally {
        await holder.rollbackTransaction();
        await holder.release();
      }
    });
  }

  if (kind === 'postgres') {
    it('reads about as many rows as it takes, not the backlog, with no statistics gathered', async () => {
      const manager = q.transactions.dataSource.manager;
      const spy = jest.spyOn(manager, 'query');
      let claimed: string[];
      let calls: unknown[][];
      try {
        claimed = (await store.claim([KIND], 20, 'claim-4', LEASE_MS)).rows.map((r) => r.id);
      } finally {
        calls = [...spy.mock.calls];
        spy.mockRestore();
      }
      expect(claimed).toHaveLength(20);
      const [sql, values] = calls.find(([text]) => String(text).includes('SKIP LOCKED')) as [string, unknown[]];
      // The same statement again, measured, in a transaction that is rolled back (it takes 20 more).
      const runner = q.transactions.dataSource.createQueryRunner();
      await runner.connect();
      try {
        await runner.startTransaction();
        const [{ 'QUERY PLAN': plan }] = await runner.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, values);
        const top = plan[0].Plan;
        // 20 items walked, probed twice each, locked and taken: ~60 rows, ~550 buffers. The plan a single
        // ORDER BY ... LIMIT got here read every pending row and probed each: ~8,800 rows, ~17,000 buffers.
        expect(rowsRead(top)).toBeLessThan(300);
        expect(top['Shared Hit Blocks'] + top['Shared Read Blocks']).toBeLessThan(3000);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    });
  }
});

/** Rows the plan's scans of the work-item table read (returned or filtered out), over all their loops. */
function rowsRead(node: Record<string, unknown>): number {
  const scan = node['Relation Name'] === 'payments_work_items' && node['Node Type'] !== 'ModifyTable';
  const own = scan ? (Number(node['Actual Rows']) + Number(node['Rows Removed by Filter'] ?? 0) + Number(node['Rows Removed by Index Recheck'] ?? 0)) * Number(node['Actual Loops']) : 0;
  const children = (node.Plans as Record<string, unknown>[] | undefined) ?? [];
  return own + children.reduce((sum, child) => sum + rowsRead(child), 0);
}
