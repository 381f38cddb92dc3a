'use strict';
// `node bench/metering.js`: usage billing figures, in one process per database: the same
// @TrackUsage route on a metered vs a flat plan (ratio of requests/s, medians of alternated rounds),
// reporter throughput (uses drained per second by one usage:report), Stripe calls per 100,000 uses.
// BENCH_QUICK=1 for a short run. Measures; never asserts a time.
const { join } = require('node:path');
const { build, out } = require('./build');
const { createDatabase } = require('./lib/db');

const quick = process.env.BENCH_QUICK === '1';
const settings = quick
  ? { rounds: 3, requests: 300, connections: 10, uses: 5_000, billables: 50 }
  : { rounds: 5, requests: 2_000, connections: 20, uses: 100_000, billables: 1_000 };
const databases = (process.env.BENCH_DATABASES ?? 'sqlite,postgres').split(',').map((s) => s.trim()).filter(Boolean);

async function main() {
  build();
  const results = [];
  for (const kind of databases) {
    const db = await createDatabase(kind);
    Object.assign(process.env, db.env);
    delete process.env[kind === 'sqlite' ? 'BENCH_DATABASE_URL' : 'BENCH_SQLITE_FILE'];
    try {
      const { runMeteringBench } = require(join(out, 'bench', 'app', 'metering-bench.js'));
      const figures = await runMeteringBench(settings);
      results.push({ kind, database: db.version, ...figures });
      process.stdout.write(`[bench:metering] ${kind}: ${JSON.stringify(figures)}\n`);
    } finally {
      await db.drop();
    }
  }
  process.stdout.write(`[bench:metering] command: ${quick ? 'BENCH_QUICK=1 ' : ''}node bench/metering.js; settings ${JSON.stringify(settings)}\n`);
  return results;
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
