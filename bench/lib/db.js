'use strict';
// A fresh database per run: an SQLite file in a temp dir, or a new PostgreSQL database (dropped after).
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { randomBytes } = require('node:crypto');

const PG_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function pgQuery(url, sql) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** @returns {Promise<{ kind: string, env: Record<string,string>, version: string, drop: () => Promise<void> }>} */
async function createDatabase(kind) {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'nhp-bench-'));
    const Database = require('better-sqlite3');
    const probe = new Database(':memory:');
    const version = `SQLite ${probe.prepare('select sqlite_version() as v').get().v} (better-sqlite3, file)`;
    probe.close();
    return { kind, env: { BENCH_SQLITE_FILE: join(dir, 'bench.sqlite') }, version, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (kind === 'postgres') {
    const name = `nhp_bench_${randomBytes(4).toString('hex')}`;
    await pgQuery(PG_ADMIN_URL, `CREATE DATABASE ${name}`);
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    const version = (await pgQuery(PG_ADMIN_URL, 'SHOW server_version')).rows[0].server_version;
    return {
      kind,
      env: { BENCH_DATABASE_URL: url.toString() },
      version: `PostgreSQL ${version.split(' ')[0]} (127.0.0.1, pool of 10)`,
      drop: () => pgQuery(PG_ADMIN_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined),
    };
  }
  throw new Error(`bench: unknown database ${kind} (sqlite, postgres)`);
}

module.exports = { createDatabase };
