import { DataSource, EntityManager } from 'typeorm';
import { WorkItemEntity } from '../persistence/entities/work-item.entity';
import { againOnLockConflict } from '../persistence/lock-conflict';
import { PaymentsTransactions } from '../persistence/payments-transactions';

import { Dialect, HELD_BACK, IN_ORDER, INSERT_COLUMNS, onConflict, POSTGRES_CANDIDATES, T } from './work-item.sql';

/** A claimed row, as the worker needs it. */
export interface ClaimedRow {
  id: string;
  kind: string;
  key: string;
  payload: string;
  /** Including this run. */
  attempts: number;
  orderKey: string | null;
}

/** What a claim took, and how many of its items it handed back at once (see `keepInOrder`). */
export interface Claim {
  rows: ClaimedRow[];
  handedBack: number;
}

/** One item of a many-row enqueue: its key, JSON payload and order key. */
export interface ManyItem {
  key: string;
  payload: string;
  orderKey: string | null;
}

/** What an enqueue writes. */
export interface UpsertInput {
  kind: string;
  key: string;
  payload: string;
  runAfter: Date;
  orderKey: string | null;
  replaceRunAfter: boolean;
  now: Date;
}

/**
 * The queue's SQL, per database. Every write goes through PaymentsTransactions (SQLite shares one
 * connection); no statement here ever waits on anything but the database.
 */
export class WorkItemStore {
  readonly dialect: Dialect;
  private readonly dataSource: DataSource;

  constructor(private readonly transactions: PaymentsTransactions) {
    this.dataSource = transactions.dataSource;
    const type = this.dataSource.options.type;
    this.dialect = transactions.isSqlite ? 'sqlite' : type === 'postgres' ? 'postgres' : type === 'mysql' || type === 'mariadb' ? 'mysql' : unsupported(type);
  }

  /** The upsert of one item: VALUES, or (PostgreSQL) one row per row of the CTE `source`. */
  private upsertSql(input: UpsertInput, source?: string): string {
    const values = `(:kind, :key, :payload, 'pending', 0, :runAfter, :orderKey, FALSE, :now, :now)`;
    const conflict = onConflict(this.dialect, input.replaceRunAfter);
    return source === undefined ? `${INSERT_COLUMNS} VALUES ${values} ${conflict}` : `${INSERT_COLUMNS} SELECT ${values.slice(1, -1)} FROM ${source} ${conflict} RETURNING id`;
  }

  /** Inserts (kind, key) or applies the enqueue rules to the existing row, in the caller's transaction. */
  async upsert(manager: EntityManager, input: UpsertInput): Promise<void> {
    await this.query(manager, this.upsertSql(input), { ...input });
  }

  /** The upsert of many items of one kind, due at `now`, in the caller's transaction: one statement. */
  async upsertMany(manager: EntityManager, kind: string, items: ManyItem[], now: Date): Promise<void> {
    if (items.length === 0) return;
    const params: Record<string, unknown> = { kind, now };
    const rows = items.map((item, i) => {
      Object.assign(params, { [`key${i}`]: item.key, [`payload${i}`]: item.payload, [`orderKey${i}`]: item.orderKey });
      return `(:kind, :key${i}, :payload${i}, 'pending', 0, :now, :orderKey${i}, FALSE, :now, :now)`;
    });
    await this.query(manager, `${INSERT_COLUMNS} VALUES ${rows.join(', ')} ${onConflict(this.dialect, false)}`, params);
  }

  /**
   * PostgreSQL: `source`, an `INSERT ... RETURNING` with its own `$n` parameters, and the upsert of
   * this item only when it inserted a row, as ONE statement (atomic without a transaction). True
   * when both happened; false when `source` inserted nothing (and nothing was written).
   */
  async upsertAfterInsert(source: [string, unknown[]], input: UpsertInput): Promise<boolean> {
    const [sourceSql, sourceValues] = source;
    const escape = this.dataSource.driver.escapeQueryWithParameters as unknown as (sql: string, parameters: object, native: object) => [string, unknown[]];
    const [text, values] = escape.call(this.dataSource.driver, this.upsertSql(input, 'inserted'), { ...input }, {});
    // The upsert's placeholders follow the source's.
    const shifted = text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + sourceValues.length}`);
    const rows = rowsOf(await this.dataSource.manager.query(`WITH inserted AS (${sourceSql}) ${shifted}`, [...sourceValues, ...values]));
    return rows.length === 1;
  }

  /**
   * PostgreSQL: `source`, an `INSERT ... RETURNING id` of many rows with its own `$n` parameters, and
   * the enqueue (kind, item.key) of each item whose key `source` returned, due at `now`, in `items`
   * order, as ONE statement (atomic without a transaction). Answers the keys enqueued.
   */
  async upsertManyAfterInsert(source: [string, unknown[]], kind: string, items: ManyItem[], now: Date): Promise<Set<string>> {
    const [sourceSql, sourceValues] = source;
    const $ = (i: number) => `$${sourceValues.length + i}`;
    // One parameter per column, not per row (unnest): the statement's text is the same for any batch size.
    const rowsSql = `SELECT * FROM unnest(${$(1)}::text[], ${$(2)}::text[], ${$(3)}::text[]) WITH ORDINALITY AS i(item_key, payload, order_key, n)`;
    const select = `SELECT ${$(4)}::varchar, i.item_key, i.payload, 'pending', 0, ${$(5)}::timestamp, i.order_key, FALSE, ${$(5)}::timestamp, ${$(5)}::timestamp FROM items i JOIN inserted ON inserted.id = i.item_key ORDER BY i.n`;
    const sql = `WITH inserted AS (${sourceSql}), items AS (${rowsSql}) ${INSERT_COLUMNS} ${select} ${onConflict(this.dialect, false)} RETURNING item_key`;
    const values = [...sourceValues, items.map((item) => item.key), items.map((item) => item.payload), items.map((item) => item.orderKey), kind, now];
    const rows = rowsOf(await this.dataSource.manager.query(sql, values));
    return new Set(rows.map((row) => String(row.item_key)));
  }

  /**
   * Takes up to `limit` due pending items of `kinds` under a lease held by `token`; each is then
   * `running`. Items of an order key another claim took meanwhile are handed back (`handedBack`).
   */
  async claim(kinds: string[], limit: number, token: string, leaseMs: number, now = new Date()): Promise<Claim> {
    if (kinds.length === 0 || limit <= 0) return { rows: [], handedBack: 0 };
    const params = { kinds, limit, token, now, until: new Date(now.getTime() + leaseMs) };
    // Earliest due first, read in the (status, run_after, id) index's order so the scan stops after
    // `limit` matches however large the backlog; the order within an order key is IN_ORDER's business.
    const columns = 'w.id, w.kind, w.item_key, w.payload, w.attempts, w.order_key';
    const candidates = `SELECT ${columns} FROM ${T} w WHERE w.status = 'pending' AND w.run_after <= :now AND w.kind IN (:...kinds) AND ${IN_ORDER} ORDER BY w.run_after, w.id LIMIT :limit`;
    const take = `UPDATE ${T} SET status = 'running', attempts = attempts + 1, locked_until = :until, locked_by = :token, updated_at = :now`;
    if (this.dialect === 'postgres') {
      // One round trip: lock the candidates other claimers have not locked, and take them.
      const returning = columns.replace(/w\./g, `${T}.`);
      const sql = `${POSTGRES_CANDIDATES} ${take.replace(/attempts = attempts/, `attempts = ${T}.attempts`)} FROM c WHERE ${T}.id = c.id RETURNING ${returning}`;
      const rows = rowsOf(await againOnLockConflict(() => this.query(this.dataSource.manager, sql, params))).map(toClaimed);
      return this.keepInOrder(rows, token, now);
    }
    const claimIn = async (manager: EntityManager) => {
      const rows = rowsOf(await this.query(manager, this.dialect === 'mysql' ? `${candidates} FOR UPDATE SKIP LOCKED` : candidates, params));
      if (rows.length === 0) return [];
      await this.query(manager, `${take} WHERE id IN (:...ids)`, { ...params, ids: rows.map((r) => r.id) });
      return rows.map((r) => ({ ...toClaimed(r), attempts: Number(r.attempts) + 1 }));
    };
    // SQLite: one instance, and PaymentsTransactions runs one writer at a time, enqueues included,
    // so no other claim or enqueue comes between this claim's read and its write.
    if (this.dialect === 'sqlite') return { rows: sortById(await this.transactions.run((tx) => claimIn(tx.manager))), handedBack: 0 };
    // MariaDB: the claim locks through the status index, a result recorded at once through the
    // primary key, and the database may break that cycle by rolling the claim back: nothing was taken.
    return this.keepInOrder(await againOnLockConflict(() => this.dataSource.transaction('READ COMMITTED', claimIn)), token, now);
  }

  /**
   * IN_ORDER was read on the claim's snapshot, which may predate what a concurrent claim or enqueue
   * committed: e.g. claim 1 reads item 7 of a key `done` and takes item 9; item 7 is enqueued again
   * (pending, id 7) and claim 2, whose snapshot does not yet show 9 running, takes 7. Re-read now,
   * after our commit, each ordered item is handed back (pending, the run not counted) if its key has
   * another item running or an earlier one pending. Of two such claims the later to commit always
   * sees the other's item running, so at most one keeps it; both may give theirs back, and the next
   * claim takes the earlier. One statement, and only for claims that took items with an order key.
   */
  private async keepInOrder(rows: ClaimedRow[], token: string, now: Date): Promise<Claim> {
    const ids = rows.filter((row) => row.orderKey !== null).map((row) => Number(row.id));
    if (ids.length === 0) return { rows: sortById(rows), handedBack: 0 };
    const handBack = `UPDATE ${T} SET status = 'pending', attempts = attempts - 1, locked_until = NULL, locked_by = NULL, rerun = FALSE, updated_at = :now`;
    const params = { ids, token, now };
    // Handing back is guarded by the token, so trying again after a lock conflict is safe.
    const back = await againOnLockConflict(async () => {
      if (this.dialect === 'postgres') {
        const sql = `${handBack.replace(T, `${T} w`)} WHERE w.id IN (:...ids) AND w.locked_by = :token AND w.status = 'running' AND ${HELD_BACK} RETURNING w.id`;
        return rowsOf(await this.query(this.dataSource.manager, sql, params)).map((r) => String(r.id));
      }
      // MySQL refuses an UPDATE that reads its own table in a subquery: find them, then hand them back.
      const found = rowsOf(await this.query(this.dataSource.manager, `SELECT w.id FROM ${T} w WHERE w.id IN (:...ids) AND ${HELD_BACK}`, params)).map((r) => String(r.id));
      if (found.length > 0) await this.query(this.dataSource.manager, `${handBack} WHERE id IN (:...back) AND locked_by = :token`, { ...params, back: found.map(Number) });
      return found;
    });
    return { rows: sortById(rows.filter((row) => !back.includes(row.id))), handedBack: back.length };
  }

  /**
   * Running items whose lease expired (their instance died or lost the database) become pending
   * again, to be claimed like any other; the dead run stays counted in `attempts`.
   */
  async reclaimExpired(now = new Date()): Promise<number> {
    // MariaDB reads the running items through the status index and may pick this statement to break
    // a lock cycle with a claim: it then changed nothing, and running it again is safe.
    const result = await againOnLockConflict(() =>
      this.transactions.write((manager) =>
        manager
          .createQueryBuilder()
          .update(WorkItemEntity)
          .set({ status: 'pending', lockedUntil: null, lockedBy: null, updatedAt: now, rerun: false })
          .where('status = :running AND locked_until < :now', { running: 'running', now })
          .execute(),
      ),
    );
    return result.affected ?? 0;
  }

  /** Extends the lease; false when the claim lost it (taken over after it expired). */
  renew(id: string, token: string, leaseMs: number): Promise<boolean> {
    return this.update({ lockedUntil: new Date(Date.now() + leaseMs) }, id, token);
  }

  /** The run succeeded: done, or pending again at once when it was enqueued meanwhile. */
  complete(id: string, token: string, now = new Date()): Promise<boolean> {
    return this.update(completed(now), id, token);
  }

  /**
   * `complete` inside the handler's own last transaction, so its writes and the item's completion
   * commit together (one commit less per item). Not on MariaDB, where the item's row lock inside a
   * transaction that also locks billables could join a lock cycle with a reclaim.
   */
  async completeIn(manager: EntityManager, id: string, token: string, now = new Date()): Promise<boolean> {
    return (await this.updateWith(manager, completed(now), id, token)).affected === 1;
  }

  get completesInTransactions(): boolean {
    return this.dialect !== 'mysql';
  }

  /** Pending again at `runAfter`; `uncount` takes this run off the attempts (not a failure). */
  reschedule(id: string, token: string, runAfter: Date, lastError: string | null, uncount: boolean, now = new Date()): Promise<boolean> {
    return this.update(
      { status: 'pending', runAfter, ...(uncount ? { attempts: () => 'attempts - 1' } : {}), ...(lastError !== null ? { lastError } : {}), lockedUntil: null, lockedBy: null, updatedAt: now, rerun: false },
      id,
      token,
    );
  }

  /** Out of attempts: `failed`, unless it was enqueued meanwhile (new work gets fresh attempts). */
  fail(id: string, token: string, lastError: string, now = new Date()): Promise<boolean> {
    return this.update(
      { status: () => `CASE WHEN rerun = TRUE THEN 'pending' ELSE 'failed' END`, attempts: () => 'CASE WHEN rerun = TRUE THEN 0 ELSE attempts END', lastError, lockedUntil: null, lockedBy: null, updatedAt: now, rerun: false },
      id,
      token,
    );
  }

  /** Hands a running item back at shutdown: pending again at once, this run not counted. */
  release(id: string, token: string, now = new Date()): Promise<boolean> {
    return this.update({ status: 'pending', runAfter: now, attempts: () => 'attempts - 1', lockedUntil: null, lockedBy: null, updatedAt: now }, id, token);
  }

  /**
   * Only a running item has a `locked_by`, and each claim's token is new, so the token alone says
   * the claim still holds the item. No `status` test: MariaDB would then read (and lock) the running
   * items through the status index, and two results recorded at once deadlocked.
   */
  private async update(set: Record<string, unknown>, id: string, token: string): Promise<boolean> {
    const result = await againOnLockConflict(() => this.transactions.write((manager) => this.updateWith(manager, set, id, token)));
    return result.affected === 1;
  }

  private updateWith(manager: EntityManager, set: Record<string, unknown>, id: string, token: string) {
    return manager
      .createQueryBuilder()
      .update(WorkItemEntity)
      .set(set as never)
      .where('id = :id AND locked_by = :token', { id: Number(id), token })
      .execute();
  }

  /** Runs `sql` with `:named` parameters through the driver's own escaping (Dates, arrays). */
  async query(manager: EntityManager, sql: string, parameters: Record<string, unknown>): Promise<unknown> {
    // TypeORM 0.3 reads a third argument (native parameters) that 1.x dropped: pass it for both.
    const escape = this.dataSource.driver.escapeQueryWithParameters as unknown as (sql: string, parameters: object, native: object) => [string, unknown[]];
    const [text, values] = escape.call(this.dataSource.driver, sql, parameters, {});
    return manager.query(text, values);
  }
}

/** A successful run's result: done, or pending again at once when it was enqueued meanwhile. */
function completed(now: Date): Record<string, unknown> {
  // `rerun` last: MySQL would otherwise read the cleared flag in the assignments after it.
  return { status: () => `CASE WHEN rerun = TRUE THEN 'pending' ELSE 'done' END`, attempts: () => 'CASE WHEN rerun = TRUE THEN 0 ELSE attempts END', lastError: null, lockedUntil: null, lockedBy: null, updatedAt: now, rerun: false };
}

/** Rows of a raw query: PostgreSQL answers an UPDATE ... RETURNING with [rows, count]. */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0];
  return Array.isArray(result) ? result : [];
}

/** A date column read by a raw query: SQLite answers TypeORM's UTC text. */
export function dateOf(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  const text = String(value);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

function toClaimed(row: Record<string, unknown>): ClaimedRow {
  const orderKey = row.order_key === null || row.order_key === undefined ? null : String(row.order_key);
  return { id: String(row.id), kind: String(row.kind), key: String(row.item_key), payload: String(row.payload), attempts: Number(row.attempts), orderKey };
}

/** Claimed rows in id order: the order a key's items were enqueued in. */
function sortById(rows: ClaimedRow[]): ClaimedRow[] {
  return rows.sort((a, b) => Number(a.id) - Number(b.id));
}

function unsupported(type: string): never {
  throw new Error(`nestjs-headless-payments: the work queue supports PostgreSQL, MySQL 8, MariaDB 10.6+ and SQLite, not ${type}.`);
}
