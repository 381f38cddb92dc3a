import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';

/** The databases a test file runs against. */
export type DbKind = 'sqlite' | 'postgres' | 'mariadb';

const URLS: Record<Exclude<DbKind, 'sqlite'>, string> = {
  postgres: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  mariadb: process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test',
};

/**
 * The databases to test on: `TEST_DATABASES=sqlite,postgres,mariadb` (the default: all three, which
 * this machine kind runs locally). `TEST_DATABASES=sqlite` runs without servers.
 */
export function testDatabases(only?: DbKind[]): DbKind[] {
  const wanted = (process.env.TEST_DATABASES ?? 'sqlite,postgres,mariadb').split(',').map((s) => s.trim()) as DbKind[];
  return only ? wanted.filter((kind) => only.includes(kind)) : wanted;
}

/** A throw-away database of one kind: TypeORM connection options and a `drop()` for afterAll. */
export interface TestDatabase {
  kind: DbKind;
  options: Record<string, unknown>;
  drop(): Promise<void>;
}

/** Creates a fresh, uniquely named database (a file-less SQLite one, or a new PG/MariaDB database). */
export async function createTestDatabase(kind: DbKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    return { kind, options: { type: 'better-sqlite3', database: ':memory:' }, drop: async () => undefined };
  }
  const name = `nhp_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new DataSource({ type: kind === 'postgres' ? 'postgres' : 'mysql', url: URLS[kind] } as never);
  await admin.initialize();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.destroy();
  const url = new URL(URLS[kind]);
  url.pathname = `/${name}`;
  const options = kind === 'postgres' ? { type: 'postgres', url: url.toString() } : { type: 'mysql', url: url.toString(), timezone: 'Z' };
  return {
    kind,
    options,
    drop: async () => {
      const dropper = new DataSource({ type: kind === 'postgres' ? 'postgres' : 'mysql', url: URLS[kind] } as never);
      await dropper.initialize();
      await dropper.query(kind === 'postgres' ? `DROP DATABASE IF EXISTS ${name} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${name}`);
      await dropper.destroy();
    },
  };
}

/**
 * `describe.each` over the selected databases of `only`. When TEST_DATABASES deselects all of them
 * (e.g. `TEST_DATABASES=sqlite` for a suite that needs row locks), the suite is reported as skipped
 * instead of failing on an empty table; CI selects every database, so nothing is skipped there.
 */
export function describeEachDb(only: DbKind[]) {
  const selected = testDatabases(only);
  return selected.length > 0 ? describe.each(selected) : describe.skip.each(only);
}
