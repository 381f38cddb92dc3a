import { AbstractLogger, DataSource, LogLevel, LogMessage } from 'typeorm';
import { PaymentsTransactions } from '../../lib/persistence/payments-transactions';

/** Counts the statements SQLite was sent, by their first word. */
class StatementLog extends AbstractLogger {
  readonly statements: string[] = [];
  override logQuery(query: string): void {
    this.statements.push(query.trim().split(/\s+/)[0].toUpperCase());
  }
  protected writeLog(_level: LogLevel, _message: LogMessage | LogMessage[]): void {}
  count(word: string): number {
    return this.statements.filter((s) => s === word).length;
  }
}

describe('PaymentsTransactions on SQLite', () => {
  let dataSource: DataSource;
  let transactions: PaymentsTransactions;
  let log: StatementLog;

  beforeAll(async () => {
    log = new StatementLog();
    dataSource = await new DataSource({ type: 'better-sqlite3', database: ':memory:', logging: ['query'], logger: log }).initialize();
    await dataSource.query('CREATE TABLE t (v INTEGER NOT NULL)');
    // RAISE(ROLLBACK) ends the whole transaction, as SQLite does on a full disk or an I/O error.
    await dataSource.query('CREATE TABLE poisoned (v INTEGER)');
    await dataSource.query("CREATE TRIGGER poison BEFORE INSERT ON poisoned BEGIN SELECT RAISE(ROLLBACK, 'poisoned'); END");
    transactions = new PaymentsTransactions(dataSource);
  });
  afterAll(() => dataSource?.destroy());
  beforeEach(async () => {
    await dataSource.query('DELETE FROM t');
    log.statements.length = 0;
  });

  const values = async () => (await dataSource.query('SELECT v FROM t ORDER BY v')).map((r: { v: number }) => r.v);
  const insert = (v: number) => transactions.run(async (tx) => void (await tx.manager.query('INSERT INTO t (v) VALUES (?)', [v])));

  it('commits the writes that queued up together once, and lets the event loop turn between groups', async () => {
    const events: string[] = [];
    const burst = Array.from({ length: 100 }, (_, i) =>
      i % 2 === 0
        ? transactions.run(async (tx) => void (await tx.manager.query('INSERT INTO t (v) VALUES (?)', [i]), events.push('tx')))
        : transactions.write(async (manager) => void (await manager.query('INSERT INTO t (v) VALUES (?)', [i]), events.push('write'))),
    );
    const turn = new Promise<void>((resolve) => setImmediate(() => (events.push('turn'), resolve())));
    await Promise.all([...burst, turn]);
    expect(await values()).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // Two groups (at most 64 writes each), not 100 commits; a turn of the loop between them.
    expect(log.count('COMMIT')).toBe(2);
    expect(events).toHaveLength(101);
    expect(events.indexOf('turn')).toBeGreaterThan(0);
    expect(events.indexOf('turn')).toBeLessThan(100);
  });

  it('rolls back only the transaction that threw; the others of its group commit, and each is answered after the commit', async () => {
    const committed: number[] = [];
    const outcomes = await Promise.allSettled(
      [1, 2, 3, 4].map((v) =>
        transactions.run(async (tx) => {
          await tx.manager.query('INSERT INTO t (v) VALUES (?)', [v]);
          tx.afterCommit(() => committed.push(v));
          if (v === 3) throw new Error('three fails');
          return v;
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(await values()).toEqual([1, 2, 4]);
    expect(committed.sort()).toEqual([1, 2, 4]);
    expect(log.count('COMMIT')).toBe(1);
  });

  it('when SQLite ends the group transaction itself, rejects what ran before (not written) and runs the rest again', async () => {
    const outcomes = await Promise.allSettled([
      insert(1),
      transactions.run(async (tx) => void (await tx.manager.query('INSERT INTO poisoned (v) VALUES (1)'))),
      insert(2),
      insert(3),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect(await values()).toEqual([2, 3]);
    // The same when the transaction that ended it caught the error itself and returned.
    const swallowed = await Promise.allSettled([
      insert(10),
      transactions.run(async (tx) => tx.manager.query('INSERT INTO poisoned (v) VALUES (1)').catch(() => 'caught')),
      insert(11),
    ]);
    expect(swallowed.map((o) => o.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect(await values()).toEqual([2, 3, 11]);
    await dataSource.query('DELETE FROM t WHERE v = 11');
    // The connection is usable afterwards, alone and in groups.
    await Promise.all([insert(4), insert(5)]);
    await insert(6);
    expect(await values()).toEqual([2, 3, 4, 5, 6]);
  });

  it('runs a lone write as autocommit and a lone transaction as its own, as without grouping (also after SQLite ended one itself)', async () => {
    await expect(transactions.run(async (tx) => void (await tx.manager.query('INSERT INTO poisoned (v) VALUES (1)')))).rejects.toThrow('poisoned');
    log.statements.length = 0;
    await transactions.write((manager) => manager.query('INSERT INTO t (v) VALUES (1)'));
    expect(log.statements).toEqual(['INSERT']);
    await insert(2);
    expect(log.statements.slice(1)).toEqual(['BEGIN', 'INSERT', 'COMMIT']);
  });
});
