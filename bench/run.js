'use strict';
// `npm run bench`: load tests of the sample's guarded routes and webhook ingest against baselines in
// the same run, on SQLite and PostgreSQL. BENCH_QUICK=1 for a short smoke run (< 2 min);
// BENCH_ONLY=queued for the queued-webhook measures alone (printed, nothing written).
// Benchmarks measure; they never assert a time. Exit 1 only when something broke (e.g. usage not exact).
const { randomBytes } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { build, out: buildDir } = require('./build');
const { startApp } = require('./lib/child');
const { createDatabase } = require('./lib/db');
const { Session } = require('./lib/measure');
const { machine, printTable, writeMarkdown } = require('./lib/report');

const quick = process.env.BENCH_QUICK === '1';
const settings = quick
  ? { rounds: 2, roundSeconds: 1, warmupRequests: 200, connections: 50, users: 5, memoryRequests: 5_000, drainEvents: 1_000 }
  : { rounds: 5, roundSeconds: 3, warmupRequests: 1_000, connections: 50, users: 100, memoryRequests: 100_000, drainEvents: 10_000 };
// Simulated Stripe round trips (ms) for the webhook measures: 0 is the in-process fake (< 1 ms).
settings.stripeLatenciesMs = (process.env.BENCH_STRIPE_LATENCIES ?? '0,100').split(',').map((s) => Number(s.trim())).filter((n) => Number.isFinite(n) && n >= 0);
// Events one drain runs at once in queued mode (queue.concurrency): as many as the inline side has
// in flight (the load's connections), so that with a slow Stripe both wait on the same number of calls.
settings.queueConcurrency = Number(process.env.BENCH_QUEUE_CONCURRENCY ?? settings.connections);
const databases = (process.env.BENCH_DATABASES ?? 'sqlite,postgres').split(',').map((s) => s.trim()).filter(Boolean);
const command = quick ? 'BENCH_QUICK=1 npm run bench' : 'npm run bench';

const log = (line) => process.stdout.write(`[bench] ${line}\n`);

/** Signed customer.subscription.updated events for the bench users' subscriptions, distinct ids. */
function webhookEvents(users, secret) {
  const { buildStripeEvent, signedWebhookRequest } = require(join(buildDir, 'lib', 'testing'));
  return (count) => {
    const signed = [];
    for (let i = 0; i < count; i++) {
      const user = users[i % users.length];
      const event = buildStripeEvent('customer.subscription.updated', { id: user.subscriptionId, customer: user.customerId });
      const request = signedWebhookRequest(event, secret);
      signed.push({ headers: { 'content-type': 'application/json', 'stripe-signature': request.headers['stripe-signature'] }, body: request.body });
    }
    let next = 0;
    return () => signed[next++ % signed.length];
  };
}

async function benchDatabase(kind) {
  const db = await createDatabase(kind);
  const secret = `whsec_bench_${randomBytes(12).toString('hex')}`;
  const logFile = join(tmpdir(), `nhp-bench-${kind}-${process.pid}.log`);
  const app = await startApp({ env: { ...db.env, BENCH_WEBHOOK_SECRET: secret }, logFile, buildDir });
  try {
    log(`${kind}: app ${app.url} (pid ${app.pid}, log ${logFile}); creating ${settings.users} subscribed users`);
    const users = await app.call({ op: 'setup', users: settings.users });
    const session = new Session(app, settings);
    const auth = { authorization: `Bearer ${users[0].token}` };
    const events = webhookEvents(users, secret);
    const route = (label, method, path, extra = {}) => ({ label, method, path, headers: auth, ...extra });

    log(`${kind}: guard overhead`);
    const guard = await session.pair(
      route('unguarded copy', 'GET', '/api/bench/reports/export'),
      route("sample's @RequiresFeature('advanced_exports')", 'GET', '/api/demo/reports/export'),
    );
    log(`${kind}: usage`);
    const usageRoute = route("sample's @TrackUsage('api_calls')", 'POST', '/api/demo/api-call');
    const usage = await session.pair(route('unguarded copy', 'POST', '/api/bench/api-call'), usageRoute);
    log(`${kind}: webhook ingest`);
    const floor = { label: 'verify signature only (floor)', method: 'POST', path: '/api/bench/verify-only', prepare: events };
    const inline = { label: 'verify → inbox → sync (re-fetch at the fake) → commit', method: 'POST', path: '/api/payments/webhook', prepare: events };
    const webhook = await session.pair(floor, inline);
    const inlineSlow = {};
    for (const ms of settings.stripeLatenciesMs.filter((x) => x > 0)) {
      log(`${kind}: webhook ingest (inline) with Stripe answering in ${ms} ms`);
      await app.call({ op: 'stripe-latency', ms });
      inlineSlow[ms] = await session.pair(floor, inline);
      await app.call({ op: 'stripe-latency', ms: 0 });
    }
    log(`${kind}: Stripe calls per operation`);
    const stripeCalls = await app.call({ op: 'stripe-calls' });
    log(`${kind}: memory over ${settings.memoryRequests} requests`);
    const memory = await session.memory([route('guard', 'GET', '/api/demo/reports/export'), usageRoute], settings.memoryRequests);

    const counted = await app.call({ op: 'usage', userId: users[0].id });
    const expected = session.okByPath.get(usageRoute.path) ?? 0;
    const exact = { expected, counted, ok: counted === expected };
    const queued = await benchQueued(kind);
    return { kind, database: db.version, guard, usage: { ...usage, exact }, webhook, inlineSlow, queued, stripeCalls, memory, problems: [...session.problems, ...queued.problems] };
  } finally {
    await app.stop().catch(() => undefined);
    await db.drop().catch((error) => log(`could not drop the ${kind} database: ${error.message}`));
  }
}

/**
 * Queued webhook mode, in its own app process and database: acknowledgement vs the verify-only
 * floor with the queue's workers off (so the statements counted are the acknowledgement's alone),
 * then the end-to-end drain of a backlog of `drainEvents` acknowledged events, per Stripe latency.
 */
async function benchQueued(kind) {
  const db = await createDatabase(kind);
  const secret = `whsec_bench_${randomBytes(12).toString('hex')}`;
  const logFile = join(tmpdir(), `nhp-bench-${kind}-queued-${process.pid}.log`);
  const env = { ...db.env, BENCH_WEBHOOK_SECRET: secret, BENCH_WEBHOOK_PROCESSING: 'queued', BENCH_QUEUE_WORKERS: '0', BENCH_QUEUE_CONCURRENCY: String(settings.queueConcurrency) };
  const app = await startApp({ env, logFile, buildDir });
  try {
    log(`${kind}: queued mode app ${app.url} (pid ${app.pid}, log ${logFile}); creating ${settings.users} subscribed users`);
    const users = await app.call({ op: 'setup', users: settings.users });
    const session = new Session(app, settings);
    const events = webhookEvents(users, secret);
    const floor = { label: 'verify signature only (floor)', method: 'POST', path: '/api/bench/verify-only', prepare: events };
    const ack = { label: 'verify → commit inbox row + work item → 2xx (queued)', method: 'POST', path: '/api/payments/webhook', prepare: events };
    const usageRoute = { label: "sample's @TrackUsage('api_calls')", method: 'POST', path: '/api/demo/api-call', headers: { authorization: `Bearer ${users[0].token}` } };
    const byLatency = {};
    for (const ms of settings.stripeLatenciesMs) {
      await app.call({ op: 'stripe-latency', ms });
      log(`${kind}: webhook acknowledgement (queued), Stripe answering in ${ms} ms`);
      const pair = await session.pair(floor, ack);
      await app.call({ op: 'discard-queued' });
      log(`${kind}: drain of ${settings.drainEvents} acknowledged events, Stripe answering in ${ms} ms, ${settings.queueConcurrency} at once`);
      const acked = await session.run(ack, settings.drainEvents);
      const drained = await app.call({ op: 'drain' });
      byLatency[ms] = { ack: pair, drain: { events: acked.ok, ran: drained.ran, seconds: drained.ms / 1000, eventsPerSecond: drained.ran / Math.max(0.001, drained.ms / 1000), concurrency: settings.queueConcurrency } };
      if (ms > 0) {
        log(`${kind}: @TrackUsage on the same process while acknowledged events drain, Stripe answering in ${ms} ms`);
        byLatency[ms].usageWhileDraining = await session.pairWhile(usageRoute, () => backlogDraining(app, session, ack, ms));
      }
    }
    await app.call({ op: 'stripe-latency', ms: 0 });
    return { byLatency, problems: session.problems };
  } finally {
    await app.stop().catch(() => undefined);
    await db.drop().catch((error) => log(`could not drop the ${kind} queued database: ${error.message}`));
  }
}

/**
 * Acknowledges a backlog big enough to keep `queueConcurrency` Stripe calls of `ms` busy for about
 * two rounds, then starts draining it in the app (not awaited): the background of `pairWhile`.
 */
async function backlogDraining(app, session, ack, ms) {
  const backlog = Math.ceil((settings.queueConcurrency * (settings.roundSeconds * 2 + 1)) / (ms / 1000));
  await session.run(ack, backlog);
  let finished = false;
  const done = app.call({ op: 'drain' }).then(() => (finished = true));
  // Let the drain claim its first events before the measured run starts.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { done, running: () => !finished, progress: () => app.call({ op: 'processed' }) };
}

/** BENCH_ONLY=queued: only the queued-mode measures, printed, no files written (for trying a change). */
async function queuedOnly() {
  for (const kind of databases) {
    const queued = await benchQueued(kind);
    for (const [ms, q] of Object.entries(queued.byLatency)) {
      const usage = q.usageWhileDraining;
      log(`${kind} +${ms} ms: ack ${q.ack.ratio.toFixed(2)} [${q.ack.ratios.map((r) => r.toFixed(2)).join(', ')}] p99 ${q.ack.candidate.p99} ms; drain ${Math.round(q.drain.eventsPerSecond)} events/s` +
        (usage ? `; usage while draining ${usage.ratio.toFixed(2)} [${usage.ratios.map((r) => r.toFixed(2)).join(', ')}], drain meanwhile ${Math.round(usage.backgroundRate ?? NaN)} events/s` : ''));
    }
    for (const problem of queued.problems) log(`${kind}: ${problem}`);
  }
}

async function main() {
  const started = Date.now();
  log(`building lib + sample + bench app into ${buildDir}`);
  build();
  if (process.env.BENCH_ONLY === 'queued') return queuedOnly();
  const before = machine(databases);
  log(`${quick ? 'QUICK' : 'FULL'} run on ${databases.join(', ')}: ${JSON.stringify(settings)}`);
  const results = [];
  for (const kind of databases) results.push(await benchDatabase(kind));
  const report = {
    date: new Date().toISOString(),
    command,
    mode: quick ? 'quick' : 'full',
    settings,
    machine: { ...before, loadAverageAfter: require('node:os').loadavg().map((n) => Number(n.toFixed(2))) },
    durationSeconds: Math.round((Date.now() - started) / 1000),
    results,
  };
  printTable(report, log);
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  const file = join(__dirname, 'results', quick ? 'last-quick.json' : 'last.json');
  // The previous full run, shown beside this one in BENCHMARKS.md.
  const previous = existsSync(join(__dirname, 'results', 'last.json')) ? JSON.parse(readFileSync(join(__dirname, 'results', 'last.json'), 'utf8')) : null;
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  log(`wrote ${file}`);
  if (!quick || process.env.BENCH_WRITE_MD === '1') {
    writeMarkdown(report, join(__dirname, '..', 'BENCHMARKS.md'), previous);
    log('updated BENCHMARKS.md');
  }
  const failures = [];
  for (const r of results) {
    if (!r.usage.exact.ok) failures.push(`${r.kind}: usage count not exact: ${r.usage.exact.counted} counted for ${r.usage.exact.expected} successful requests`);
    for (const problem of r.problems) failures.push(`${r.kind}: ${problem}`);
  }
  if (failures.length) {
    for (const failure of failures) log(`FAILED ${failure}`);
    process.exit(1);
  }
  log(`done in ${report.durationSeconds} s`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
