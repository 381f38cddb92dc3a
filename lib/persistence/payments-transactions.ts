import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PAYMENTS_DATA_SOURCE, PAYMENTS_OPTIONS } from '../payments.constants';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { ConnectionShare, poolSizeOf } from './connection-share';
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
  /** Elsewhere: the connections the queue's runs may hold at once (`queue.maxConnections`). */
  readonly queueShare: ConnectionShare;

  constructor(@Inject(PAYMENTS_DATA_SOURCE) readonly dataSource: DataSource, @Optional() @Inject(PAYMENTS_OPTIONS) options?: Pick<ResolvedPaymentsOptions, 'queue'>) {
    this.isSqlite = SQLITE_DRIVERS.includes(dataSource.options.type);
    if (this.isSqlite) this.sqlite = new SqliteWriter(dataSource);
    const pool = poolSizeOf(dataSource.options as never);
    this.queueShare = new ConnectionShare(options?.queue?.maxConnections ?? Math.max(1, Math.floor(pool / 2)));
  }

  /** Runs `work` in one transaction; after-commit callbacks run only if it commits. */
  async run<T>(work: (tx: PaymentsTx) => Promise<T>): Promise<T> {
    const once = async (manager: EntityManager) => {
      const tx = new PaymentsTx(manager, !this.isSqlite);
      return { result: await work(tx), tx };
    };
    const { result, tx } = this.sqlite ? await this.sqlite.submit(once, true) : await this.queueShare.run(() => this.dataSource.transaction(once));
    tx.flushAfterCommit();
    return result;
  }

  /** Runs a single write outside a transaction, queued behind SQLite transactions where needed. */
  async write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.sqlite ? this.sqlite.submit(work, false) : this.queueShare.run(() => work(this.dataSource.manager));
  }
}
