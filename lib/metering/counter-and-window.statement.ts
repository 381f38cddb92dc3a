import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { UsageCounterEntity } from '../persistence/entities/usage-counter.entity';
import { MeterWindowEntity } from './meter-window.entity';

/** A metered increment of a counter and of its open window row, applied together or not at all. */
export interface CounterAndWindow {
  counterId: number;
  /** The plan's limit; -1 counts without one. */
  limit: number;
  quantity: number;
  windowId: number;
  billableId: string;
  meter: string;
  windowStart: Date;
}

/** What the one statement did: the window row was not open (take the transactional path), or the limit answered. */
export type CounterAndWindowResult = 'window_closed' | 'counted' | 'refused';

/**
 * PostgreSQL only: the counter increment and the window increment as ONE statement, so a metered
 * use costs one round trip like a flat one instead of BEGIN, two UPDATEs and COMMIT. A single
 * statement is atomic; inside it the window row is locked first (a concurrent seal waits, or has
 * already sealed it and nothing changes), the counter is incremented under its limit, and the
 * window only when the counter was.
 */
export async function countWithWindowPostgres(manager: EntityManager, use: CounterAndWindow): Promise<CounterAndWindowResult> {
  const counters = table(manager, UsageCounterEntity);
  const windows = table(manager, MeterWindowEntity);
  const sql = `WITH w AS (
      SELECT id FROM ${windows} WHERE id = $4 AND status = 'open' AND billable_id = $5 AND meter = $6 AND window_start = $7 FOR UPDATE
    ), c AS (
      UPDATE ${counters} SET used = used + $1 WHERE id = $2 AND ($3::int < 0 OR used + $1 <= $3) AND EXISTS (SELECT 1 FROM w) RETURNING id
    ), m AS (
      UPDATE ${windows} SET quantity = quantity + $1 WHERE id IN (SELECT id FROM w) AND EXISTS (SELECT 1 FROM c) RETURNING id
    )
    SELECT (SELECT count(*) FROM w)::int AS open, (SELECT count(*) FROM m)::int AS counted`;
  const rows: { open: number; counted: number }[] = await manager.query(sql, [
    use.quantity, use.counterId, use.limit, use.windowId, use.billableId, use.meter, use.windowStart,
  ]);
  if (rows[0].open === 0) return 'window_closed';
  return rows[0].counted === 1 ? 'counted' : 'refused';
}

function table(manager: EntityManager, entity: EntityTarget<ObjectLiteral>): string {
  const { driver } = manager.connection;
  return manager.connection.getMetadata(entity).tablePath.split('.').map((part) => driver.escape(part)).join('.');
}
