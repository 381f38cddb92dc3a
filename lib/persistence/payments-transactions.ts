import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PAYMENTS_DATA_SOURCE } from '../payments.constants';
import { SqliteWriter } from './sqlite-writer';

const SQLITE_DRIVERS = ['better-sqlite3', 'sqlite', 'sqljs', 'capacitor', 'cordova', 'expo', 'react-native', 'nativescript'];

/** One database transaction of the module: its manager, row-lock options, and work to do after commit. */
export class PaymentsTx {
  private readonly committed: (() => void)[] = [];

  constructor(
    readonly manager: EntityManager,
    private readonly rowLocks: boolean,
  ) {}

  /** `lock` options for `findOne` that take a row lock where the database has them. */
  get forUpdate(): { lock?: { mode: 'pessimistic_write' } } {
    return this.rowLocks ? { lock: { mode: 'pessimistic_write' } } : {};
  }

  /** Runs `callback` once the transaction has committed (never after a rollback). */
  afterCommit(callback: () => void): void {
    this.committed.push(callback);
  }

  /** @internal */
  flushAfterCommit(): void {
    for (const callback of this.committed.splice(0)) callback();
  }
}

/**
 * Every write of the module goes through here. On SQLite, TypeORM shares one connection, so writes
 * queue in-process and commit in groups (SqliteWriter); elsewhere the database isolates
 * transactions and row locks order writers across instances.
 */
@Injectable()
export class PaymentsTransactions {
  /** True for SQLite drivers: one writer at a time, no row locks. */
  readonly isSqlite: boolean;

  private readonly sqlite?: SqliteWriter;

  constructor(@Inject(PAYMENTS_DATA_SOURCE) readonly dataSource: DataSource) {
    this.isSqlite = SQLITE_DRIVERS.includes(dataSource.options.type);
    if (this.isSqlite) this.sqlite = new SqliteWriter(dataSource);
  }

  /** Runs `work` in one transaction; after-commit callbacks run only if it commits. */
  async run<T>(work: (tx: PaymentsTx) => Promise<T>): Promise<T> {
    const once = async (manager: EntityManager) => {
      const tx = new PaymentsTx(manager, !this.isSqlite);
      return { result: await work(tx), tx };
    };
    const { result, tx } = this.sqlite ? await this.sqlite.submit(once, true) : await this.dataSource.transaction(once);
    tx.flushAfterCommit();
    return result;
  }

  /** Runs a single write outside a transaction, queued behind SQLite transactions where needed. */
  async write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.sqlite ? this.sqlite.submit(work, false) : work(this.dataSource.manager);
  }
}
