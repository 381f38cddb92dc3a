import { DataSource, EntityManager } from 'typeorm';

/** One write waiting for SQLite's writer: its work, and how to answer its caller. */
interface Unit {
  work(manager: EntityManager): Promise<unknown>;
  /** A transaction of its own (all or nothing); else a lone write statement, as autocommit runs it. */
  atomic: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Units one commit carries at most (bounds how long the event loop runs one group). */
const MAX_GROUP = 64;

/**
 * SQLite's one writer, with group commit. TypeORM shares one connection on SQLite, so writes are
 * queued in-process (two interleaved transactions would merge). The units that queued up while the
 * previous group ran go together: one transaction, each unit in its own savepoint, one commit. In
 * the default journal mode every commit syncs the disk (about 1.7 ms on the bench machine, with
 * better-sqlite3 blocking the event loop meanwhile), so a drain of webhooks paid one sync per event
 * and slowed every request of the process; a group pays one for all.
 *
 * A unit that throws is rolled back to its savepoint and rejected; the others still commit. Each
 * caller is answered only after the commit. If SQLite ends the whole transaction (a full disk, an
 * I/O error), nothing of the group is written: the units that ran are rejected, the rest run again.
 * A lone unit runs as its own transaction, as without grouping.
 */
export class SqliteWriter {
  private readonly waiting: Unit[] = [];
  private running = false;

  /**
   * Only better-sqlite3 says whether SQLite ended a transaction itself (`inTransaction`); without
   * that a group could not tell committed units from rolled-back ones, so other drivers write each
   * unit alone.
   */
  private readonly groups: boolean;

  constructor(private readonly dataSource: DataSource) {
    this.groups = dataSource.options.type === 'better-sqlite3';
  }

  /**
   * Runs `work` and answers after its commit: atomically (its own transaction, or a savepoint of a
   * group's) when `atomic`, else as plain statements (autocommit alone, or inside a group).
   */
  submit<T>(work: (manager: EntityManager) => Promise<T>, atomic: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, atomic, resolve: resolve as (value: unknown) => void, reject });
      if (!this.running) void this.writeWhileWaiting();
    });
  }

  private async writeWhileWaiting(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        // better-sqlite3 answers synchronously: the turn lets I/O and timers run between groups, and
        // the writes that arrive meanwhile join the next group.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const group = this.waiting.splice(0, this.groups ? MAX_GROUP : 1);
        if (group.length === 1) await this.writeAlone(group[0]);
        else await this.writeGroup(group);
      }
    } finally {
      this.running = false;
    }
  }

  private async writeAlone(unit: Unit): Promise<void> {
    try {
      unit.resolve(unit.atomic ? await this.dataSource.transaction((manager) => unit.work(manager)) : await unit.work(this.dataSource.manager));
    } catch (error) {
      this.forgetEndedTransaction();
      unit.reject(error);
    }
  }

  private async writeGroup(group: Unit[]): Promise<void> {
    const done: { unit: Unit; value: unknown }[] = [];
    let notRun: Unit[] = [];
    try {
      await this.dataSource.transaction(async (manager) => {
        for (let i = 0; i < group.length; i++) {
          const unit = group[i];
          try {
            done.push({ unit, value: unit.atomic ? await this.inSavepoint(manager, unit) : await unit.work(manager) });
          } catch (error) {
            unit.reject(error);
          }
          // Also after a unit that did not throw: it may have caught the error that ended it.
          if (!this.inTransaction()) {
            notRun = group.slice(i + 1);
            throw new Error('SQLite ended the transaction of a group of writes; none of them was written');
          }
        }
      });
    } catch (error) {
      this.forgetEndedTransaction();
      for (const { unit } of done) unit.reject(error);
      this.waiting.unshift(...notRun);
      return;
    }
    for (const { unit, value } of done) unit.resolve(value);
  }

  /**
   * Savepoint statements of our own rather than TypeORM's nested transactions, whose bookkeeping
   * differs between TypeORM 0.3 and 1.x (both are supported).
   */
  private async inSavepoint(manager: EntityManager, unit: Unit): Promise<unknown> {
    await manager.query('SAVEPOINT payments_unit');
    try {
      const value = await unit.work(manager);
      await manager.query('RELEASE payments_unit');
      return value;
    } catch (error) {
      if (this.inTransaction()) {
        await manager.query('ROLLBACK TO payments_unit');
        await manager.query('RELEASE payments_unit');
      }
      throw error;
    }
  }

  /** False once SQLite has rolled the group's transaction back on its own (it does so on some errors). */
  private inTransaction(): boolean {
    return this.driver().databaseConnection?.inTransaction !== false;
  }

  /**
   * When SQLite ended a transaction itself, TypeORM's rollback fails (swallowed) and leaves its one
   * shared query runner counting a transaction that is gone: the next transaction would open with a
   * savepoint and commit on its release. Reset that count.
   */
  private forgetEndedTransaction(): void {
    const { queryRunner } = this.driver();
    if (this.inTransaction() || !queryRunner) return;
    queryRunner.isTransactionActive = false;
    queryRunner.transactionDepth = 0;
  }

  private driver(): { databaseConnection?: { inTransaction?: boolean }; queryRunner?: { isTransactionActive: boolean; transactionDepth: number } } {
    return this.dataSource.driver as never;
  }
}
