/** The work queue's SQL text, shared by its store's statements (lib/queue/work-item.store.ts). */

export type Dialect = 'postgres' | 'mysql' | 'sqlite';

export const T = 'payments_work_items';
/**
 * Items of one order key run one at a time and in id order: any running one, or an earlier pending
 * one, holds the later ones back. Failed items do not block. Two probes of one status each, read in
 * id order so that the (order_key, status, id) index answers each with its first entry however many
 * items the key has (EXISTS would drop the ORDER BY, and on a table without statistics PostgreSQL
 * then took the (status, run_after, id) index just as well: every pending entry for one probe).
 */
const heldBack = (w: string) => {
  const first = (status: string, before: string) => `(SELECT o.id FROM ${T} o WHERE o.order_key = ${w}.order_key AND o.status = '${status}' AND o.id ${before} ${w}.id ORDER BY o.id LIMIT 1)`;
  return `(${first('running', '<>')} IS NOT NULL OR ${first('pending', '<')} IS NOT NULL)`;
};
export const HELD_BACK = heldBack('w');
export const IN_ORDER = `(w.order_key IS NULL OR NOT ${HELD_BACK})`;
export const INSERT_COLUMNS = `INSERT INTO ${T} (kind, item_key, payload, status, attempts, run_after, order_key, rerun, created_at, updated_at)`;

/**
 * PostgreSQL's candidates, `c`: the claim's rows, locked. One `ORDER BY ... LIMIT n` with the
 * order-key check in its filter left the plan to the statistics, and a queue table's are stale
 * whenever a burst arrives (or never gathered: autovacuum off). Believing few rows pending, the
 * planner read every pending row, ran the check on each and sorted them: 0.1-0.6 s a claim with
 * 10,000 pending, 46 events/s drained. Here each step is one `LIMIT 1` on the (status, run_after, id)
 * index, the plan whatever the statistics say, and PostgreSQL walks (`due`) only as far as the
 * `LIMIT :limit` of `c` pulls. Each item walked is checked; one that passes is locked by primary key
 * (`LIMIT 1` keeps the status test out of that lookup: pushed into it, the status index was used)
 * or skipped if another claimer holds it, and taken if it is still pending once locked.
 */
const next = (after: string) => `SELECT w.id, w.run_after, w.kind, w.order_key FROM ${T} w WHERE w.status = 'pending' AND w.run_after <= :now${after} ORDER BY w.run_after, w.id LIMIT 1`;
export const POSTGRES_CANDIDATES =
  `WITH RECURSIVE due AS (SELECT * FROM (${next('')}) earliest UNION ALL SELECT later.* FROM due p CROSS JOIN LATERAL (${next(' AND (w.run_after, w.id) > (p.run_after, p.id)')}) later), ` +
  `c AS (SELECT t.id FROM due CROSS JOIN LATERAL (SELECT w.id, w.status FROM ${T} w WHERE w.id = due.id LIMIT 1 FOR UPDATE OF w SKIP LOCKED) t ` +
  `WHERE due.kind IN (:...kinds) AND (due.order_key IS NULL OR NOT ${heldBack('due')}) AND t.status = 'pending' LIMIT :limit)`;

/** What an enqueue does to an existing (kind, key): the queue's enqueue rules, per dialect. */
export function onConflict(dialect: Dialect, replaceRunAfter: boolean): string {
  const mysql = dialect === 'mysql';
  const n = (column: string) => (mysql ? `VALUES(${column})` : `excluded.${column}`);
  const o = (column: string) => (mysql ? column : `${T}.${column}`);
  const least = dialect === 'sqlite' ? 'min' : 'LEAST';
  const settled = `${o('status')} IN ('done', 'failed')`;
  const keepEarlier = `CASE WHEN ${o('status')} = 'pending' OR (${o('status')} = 'running' AND ${o('rerun')} = TRUE) THEN ${least}(${o('run_after')}, ${n('run_after')}) ELSE ${n('run_after')} END`;
  // MySQL applies assignments left to right on the updated row: everything reading the old
  // status or rerun comes before they change.
  const assignments = [
    `payload = ${n('payload')}`,
    `order_key = COALESCE(${n('order_key')}, ${o('order_key')})`,
    `run_after = ${replaceRunAfter ? n('run_after') : keepEarlier}`,
    `attempts = CASE WHEN ${settled} THEN 0 ELSE ${o('attempts')} END`,
    `last_error = CASE WHEN ${settled} THEN NULL ELSE ${o('last_error')} END`,
    `rerun = CASE WHEN ${o('status')} = 'running' THEN TRUE ELSE FALSE END`,
    `updated_at = ${n('updated_at')}`,
    `status = CASE WHEN ${o('status')} = 'running' THEN 'running' ELSE 'pending' END`,
  ].join(', ');
  return mysql ? `ON DUPLICATE KEY UPDATE ${assignments}` : `ON CONFLICT (kind, item_key) DO UPDATE SET ${assignments}`;
}
