import { WorkItemEntity, WorkItemStatus } from '../persistence/entities/work-item.entity';
import { PaymentsTransactions } from '../persistence/payments-transactions';
import { dateOf, WorkItemStore } from './work-item.store';

/** Counts of one kind, by status, and how late its most overdue pending item is. */
export interface WorkKindStats {
  kind: string;
  pending: number;
  running: number;
  done: number;
  failed: number;
  /** Seconds since the oldest due pending item became due (0 when none is due). */
  oldestDueSeconds: number;
}

/** A failed item as the CLI lists it (the payload stays in the table). */
export interface FailedWorkItem {
  id: string;
  kind: string;
  key: string;
  attempts: number;
  lastError: string | null;
  updatedAt: Date;
}

/** What operators see and do: counts, failed items, retrying one. Read by the health indicator and the CLI. */
export abstract class WorkQueueAdmin {
  protected constructor(
    protected readonly store: WorkItemStore,
    protected readonly transactions: PaymentsTransactions,
  ) {}

  /** Items per kind and status, with the age of the most overdue pending item; kinds sorted by name. */
  async stats(now = new Date()): Promise<WorkKindStats[]> {
    const rows: { kind: string; status: WorkItemStatus; n: unknown; due: unknown }[] = await this.transactions.dataSource
      .createQueryBuilder()
      .select('w.kind', 'kind')
      .addSelect('w.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .addSelect('MIN(w.run_after)', 'due')
      .from(WorkItemEntity, 'w')
      .groupBy('w.kind')
      .addGroupBy('w.status')
      .getRawMany();
    const byKind = new Map<string, WorkKindStats>();
    for (const row of rows) {
      const stats = byKind.get(row.kind) ?? { kind: row.kind, pending: 0, running: 0, done: 0, failed: 0, oldestDueSeconds: 0 };
      if (row.status in stats) stats[row.status] = Number(row.n);
      const due = row.status === 'pending' ? dateOf(row.due) : null;
      if (due) stats.oldestDueSeconds = Math.max(0, Math.floor((now.getTime() - due.getTime()) / 1000));
      byKind.set(row.kind, stats);
    }
    return [...byKind.values()].sort((a, b) => a.kind.localeCompare(b.kind));
  }

  /** Failed items (of `kind`), oldest failure first, at most `limit`. */
  async failed(kind?: string, limit = 100): Promise<FailedWorkItem[]> {
    const rows = await this.transactions.dataSource.getRepository(WorkItemEntity).find({
      where: kind === undefined ? { status: 'failed' } : { status: 'failed', kind },
      order: { updatedAt: 'ASC', id: 'ASC' },
      take: limit,
    });
    return rows.map((row) => ({ id: String(row.id), kind: row.kind, key: row.key, attempts: row.attempts, lastError: row.lastError, updatedAt: row.updatedAt }));
  }

  /** Makes a failed item pending again now with fresh attempts; false when it is not failed (or does not exist). */
  async retry(id: string | number, now = new Date()): Promise<boolean> {
    const numeric = Number(id);
    if (!Number.isSafeInteger(numeric) || numeric <= 0) return false;
    const result = await this.transactions.write((manager) =>
      manager
        .createQueryBuilder()
        .update(WorkItemEntity)
        .set({ status: 'pending', attempts: 0, runAfter: now, updatedAt: now })
        .where('id = :id AND status = :failed', { id: numeric, failed: 'failed' })
        .execute(),
    );
    const retried = result.affected === 1;
    if (retried) this.wake();
    return retried;
  }

  abstract wake(kind?: string): void;
}
