import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PAYMENTS_DATA_SOURCE } from '../payments.constants';
import { KeyedMutex } from './keyed-mutex';

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
 * Every write of the module goes through here. On SQLite, TypeORM shares one connection, so
 * transactions are queued in-process (two interleaved ones would merge); elsewhere the database
 * isolates them and row locks order writers across instances.
 */
@Injectable()
export class PaymentsTransactions {
  private readonly gate = new KeyedMutex();
  /** True for SQLite drivers: one writer at a time, no row locks. */
  readonly isSqlite: boolean;

  constructor(@Inject(PAYMENTS_DATA_SOURCE) readonly dataSource: DataSource) {
    this.isSqlite = SQLITE_DRIVERS.includes(dataSource.options.type);
  }

  /** Runs `work` in one transaction; after-commit callbacks run only if it commits. */
  async run<T>(work: (tx: PaymentsTx) => Promise<T>): Promise<T> {
    const execute = () =>
      this.dataSource.transaction(async (manager) => {
        const tx = new PaymentsTx(manager, !this.isSqlite);
        return { result: await work(tx), tx };
      });
    const { result, tx } = this.isSqlite ? await this.sqliteTurn(execute) : await execute();
    tx.flushAfterCommit();
    return result;
  }

  /** Runs a single write outside a transaction, queued behind SQLite transactions where needed. */
  async write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.isSqlite ? this.sqliteTurn(() => work(this.dataSource.manager)) : work(this.dataSource.manager);
  }

  /**
   * SQLite's one writer: `work` after every earlier one, and after a turn of the event loop.
   * better-sqlite3 answers synchronously, so without the turn a queue of transactions ran one after
   * the other in microtasks, and nothing else (HTTP answers, timers) ran until the last: with 20
   * queue runs waiting on a Stripe of 100 ms, each call took ~190 ms and the loop stalled ~90 ms.
   */
  private sqliteTurn<T>(work: () => Promise<T>): Promise<T> {
    return this.gate.run('sqlite', async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return work();
    });
  }
}
