import type { DataSource, QueryRunner } from 'typeorm';

/**
 * Counts the SQL statements (BEGIN and COMMIT included) the app's DataSource sends, by wrapping
 * `query` on every query runner its driver hands out (SQLite reuses one; PostgreSQL pools many).
 */
export class StatementCounter {
  count = 0;
  /** The start of every statement counted, for tests that tell statement kinds apart. */
  readonly texts: string[] = [];
  private readonly wrapped = new WeakSet<QueryRunner>();

  constructor(dataSource: DataSource) {
    const driver = dataSource.driver as unknown as { createQueryRunner: (mode: unknown) => QueryRunner };
    const create = driver.createQueryRunner.bind(driver);
    driver.createQueryRunner = (mode: unknown) => this.wrap(create(mode));
  }

  private wrap(runner: QueryRunner): QueryRunner {
    if (this.wrapped.has(runner)) return runner;
    this.wrapped.add(runner);
    const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
    (runner as unknown as { query: unknown }).query = (...args: unknown[]) => {
      this.count++;
      this.texts.push(String(args[0]).slice(0, 60));
      if (process.env.SHOW_SQL) process.stdout.write(`SQL ${String(args[0]).slice(0, 150)}\n`);
      return query(...args);
    };
    return runner;
  }
}
