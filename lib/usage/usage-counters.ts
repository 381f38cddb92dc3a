import { EntityManager } from 'typeorm';
import { UsageCounterEntity } from '../persistence/entities/usage-counter.entity';
import { PaymentsTx } from '../persistence/payments-transactions';
import { UsagePeriod } from './usage-period';

/** What names one counter row. */
export interface CounterKey {
  billableId: string;
  metric: string;
  period: UsagePeriod;
}

const MAX_CACHED_COUNTERS = 100_000;

/**
 * The rows of `payments_usage_counters` (one per billable, metric and period): found or created
 * once and remembered by id, and changed only by conditional increments and guarded decrements.
 */
export class UsageCounters {
  /** Counter row ids by billable, metric and period: they never change once created. */
  private readonly counterIds = new Map<string, number>();

  /** The id of a row this instance already knows (no query), if any. */
  cachedId(request: CounterKey): number | undefined {
    return this.counterIds.get(this.cacheKey(request));
  }

  /** One conditional increment: true when it fitted (or the limit is -1). */
  async increment(manager: EntityManager, counterId: number, quantity: number, limit: number): Promise<boolean> {
    // The quantity is bound, never spliced into the SQL (the ledger is public API).
    const update = manager.createQueryBuilder().update(UsageCounterEntity).set({ used: () => 'used + :delta' }).setParameter('delta', quantity);
    const result =
      limit < 0
        ? await update.where('id = :id', { id: counterId }).execute()
        : await update.where('id = :id AND used + :quantity <= :limit', { id: counterId, quantity, limit }).execute();
    return result.affected === 1;
  }

  /** Gives units back; never below 0, so a double release cannot go negative. True when applied. */
  async decrement(manager: EntityManager, counterId: number, quantity: number): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(UsageCounterEntity)
      .set({ used: () => 'used - :quantity' })
      .where('id = :id AND used >= :quantity', { id: counterId, quantity })
      .execute();
    return result.affected === 1;
  }

  /** The row's units, or null when the row is gone. */
  async readUsed(manager: EntityManager, counterId: number): Promise<number | null> {
    const row = await manager.getRepository(UsageCounterEntity).findOne({ where: { id: counterId }, select: { used: true } });
    return row ? Number(row.used) : null;
  }

  /** The counter row of (billable, metric, period), created when missing (insert-or-ignore: safe across instances). */
  async id(manager: EntityManager, request: CounterKey, tx?: PaymentsTx): Promise<number> {
    const cacheKey = this.cacheKey(request);
    const cached = this.counterIds.get(cacheKey);
    if (cached !== undefined) return cached;
    const where = { billableId: request.billableId, metric: request.metric, periodStart: request.period.start };
    let row = await manager.getRepository(UsageCounterEntity).findOne({ where, select: { id: true } });
    if (!row) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(UsageCounterEntity)
        .values({ ...where, periodEnd: request.period.end, used: 0 })
        .orIgnore()
        .updateEntity(false)
        .execute();
      // A locking read sees a row another transaction just committed, where a MySQL/MariaDB snapshot would not.
      row = await manager.getRepository(UsageCounterEntity).findOneOrFail({ where, select: { id: true }, ...tx?.forUpdate });
    }
    const id = row.id;
    const remember = () => {
      if (this.counterIds.size >= MAX_CACHED_COUNTERS) this.counterIds.clear();
      this.counterIds.set(cacheKey, id);
    };
    // Inside a transaction the row may still roll back: remember it only once committed. A write
    // without one may still run inside SQLite's group transaction (SqliteWriter): not remembered.
    if (tx) tx.afterCommit(remember);
    else if (!manager.queryRunner?.isTransactionActive) remember();
    return id;
  }

  /** Forgets a row the app purged, so the next use creates it again. */
  forget(request: CounterKey): void {
    this.counterIds.delete(this.cacheKey(request));
  }

  private cacheKey(request: CounterKey): string {
    return `${request.billableId}\u0000${request.metric}\u0000${request.period.start.getTime()}`;
  }
}
