'use strict';
// Machine description, the console table and BENCHMARKS.md, all from one report object.
const { execSync } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');
const os = require('node:os');

const sh = (cmd) => {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
};

function machine() {
  const cpuinfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  })();
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return {
    cpu: model.trim(),
    nproc: Number(sh('nproc')) || os.availableParallelism(),
    memory: sh('free -h | sed -n 2p').replace(/\s+/g, ' '),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverageBefore: os.loadavg().map((n) => Number(n.toFixed(2))),
  };
}

const f0 = (n) => Math.round(n).toLocaleString('en-US');
const f2 = (n) => n.toFixed(2);
const q = (n) => (n === 0 ? '0' : n < 0.01 ? n.toFixed(4) : n.toFixed(2));
const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;
const lat = (s) => `${s.p50} / ${s.p99} ms`;
const us = (n) => (n === null ? '–' : `${n >= 0 ? '' : '−'}${Math.abs(n).toFixed(Math.abs(n) < 10 ? 1 : 0)} µs`);
// Results written before the cost was measured per round: the same figure from the medians.
const ownCost = (pair) => pair.costMicros ?? (pair.baseline?.rps && pair.candidate?.rps ? 1e6 / pair.candidate.rps - 1e6 / pair.baseline.rps : null);

function rows(report) {
  const out = [];
  for (const r of report.results) {
    const add = (name, pair, target) =>
      out.push({
        db: r.kind, name, target, ratio: pair.ratio, ratios: pair.ratios,
        base: pair.baseline, cand: pair.candidate, cost: ownCost(pair),
      });
    add('guard: @RequiresFeature vs unguarded', r.guard, 0.9);
    add('usage: @TrackUsage vs unguarded', r.usage, 0.5);
    add('webhook ingest vs verify-only floor', r.webhook, null);
    for (const [ms, pair] of Object.entries(r.inlineSlow ?? {})) add(`webhook ingest (inline), Stripe +${ms} ms, vs verify-only floor`, pair, null);
    for (const [ms, q] of Object.entries(r.queued?.byLatency ?? {})) add(`webhook acknowledgement vs verify-only floor (queued, Stripe +${ms} ms)`, q.ack, 0.5);
    for (const [ms, q] of Object.entries(r.queued?.byLatency ?? {})) {
      if (q.usageWhileDraining) add(`usage: @TrackUsage while queued webhooks drain (Stripe +${ms} ms) vs without`, q.usageWhileDraining, 0.9);
    }
  }
  return out;
}

/** End-to-end drains of a queued backlog, beside the inline route's rate at the same Stripe latency. */
function drains(report) {
  const out = [];
  for (const r of report.results) {
    for (const [ms, q] of Object.entries(r.queued?.byLatency ?? {})) {
      const inline = Number(ms) === 0 ? r.webhook : r.inlineSlow?.[ms];
      out.push({ db: r.kind, ms, ...q.drain, inlineRps: inline ? inline.candidate.rps : null, ackQueries: q.ack.candidate.queriesPerRequest, whileUsageRps: q.usageWhileDraining?.backgroundRate ?? null });
    }
  }
  return out;
}

function printTable(report, log) {
  log('');
  log(`machine: ${report.machine.cpu}, ${report.machine.nproc} cores, ${report.machine.node}; load ${report.machine.loadAverageBefore.join(' ')} -> ${report.machine.loadAverageAfter.join(' ')}`);
  for (const row of rows(report)) {
    const verdict = row.target === null ? '' : row.ratio >= row.target ? ` (target ≥ ${row.target}: met)` : ` (target ≥ ${row.target}: NOT met)`;
    log(`${row.db.padEnd(8)} ${row.name.padEnd(40)} ratio ${f2(row.ratio)} [${row.ratios.map(f2).join(', ')}]${verdict}, own cost ${us(row.cost)} per request`);
    log(`${''.padEnd(8)}   baseline  ${f0(row.base.rps).padStart(7)} req/s  p50/p99 ${lat(row.base).padEnd(16)} queries/req ${q(row.base.queriesPerRequest)}`);
    log(`${''.padEnd(8)}   candidate ${f0(row.cand.rps).padStart(7)} req/s  p50/p99 ${lat(row.cand).padEnd(16)} queries/req ${q(row.cand.queriesPerRequest)}`);
  }
  for (const d of drains(report)) {
    log(`${d.db.padEnd(8)} queued drain, Stripe +${d.ms} ms: ${f0(d.ran)} events in ${d.seconds.toFixed(1)} s = ${f0(d.eventsPerSecond)} events/s (${d.concurrency} at once); inline route ${d.inlineRps === null ? 'n/a' : f0(d.inlineRps)} events/s; statements per acknowledged event ${q(d.ackQueries)}${d.whileUsageRps === null ? '' : `; ${f0(d.whileUsageRps)} events/s while @TrackUsage was loaded`}`);
  }
  for (const r of report.results) {
    log(`${r.kind.padEnd(8)} usage count exact: ${r.usage.exact.ok ? 'yes' : 'NO'} (${r.usage.exact.counted} counted, ${r.usage.exact.expected} successful requests)`);
    const m = r.memory;
    log(`${r.kind.padEnd(8)} memory: RSS ${mb(m.afterWarmup.rss)} after warm-up -> ${mb(m.after.rss)} after ${f0(m.requests)} requests (growth ${mb(m.rssGrowthBytes)}, spread ${mb(m.rssSpreadBytes)}); heap ${mb(m.afterWarmup.heapUsed)} -> ${mb(m.after.heapUsed)}`);
    for (const [op, calls] of Object.entries(r.stripeCalls)) log(`${r.kind.padEnd(8)} Stripe calls: ${op}: ${calls.count} (${calls.calls.join(', ')})`);
  }
}

function writeMarkdown(report, file, previous = null) {
  const m = report.machine;
  const lines = [];
  const push = (...l) => lines.push(...l);
  push(
    '# Benchmarks',
    '',
    '<!-- Written by `npm run bench` (bench/lib/report.js): edit the generator, not this file. -->',
    '',
    `Last run: ${report.date.slice(0, 16).replace('T', ' ')} UTC, \`${report.command}\` (${report.mode} mode, ${report.durationSeconds} s).`,
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpu}; \`nproc\` = ${m.nproc}`,
    `- Memory (\`free -h\`): ${m.memory}`,
    `- Node ${m.node}, ${m.os}`,
    ...report.results.map((r) => `- ${r.kind}: ${r.database}`),
    `- Load average (1/5/15 min) before ${m.loadAverageBefore.join(' / ')}, after ${m.loadAverageAfter.join(' / ')}: other processes share the machine, which is why every figure is a ratio against a baseline measured alternately in the same run.`,
    '',
    '## How it is measured',
    '',
    `- The app is the sample (its \`User\` entity, JWT auth, plans, \`DemoController\` routes and payments options on the built-in FakeStripe, which runs in a process of its own) in a child process; autocannon runs in the parent, ${report.settings.connections} connections.`,
    '  The bench app adds only baseline routes (`/api/bench/...`): the same handler bodies with the same JWT auth and no payments decorator, and `POST /api/bench/verify-only`, which checks the Stripe signature over the raw body and answers 200.',
    `- Each pair: a warm-up of ${report.settings.warmupRequests} requests per side (which also sizes a round to about ${report.settings.roundSeconds} s), then ${report.settings.rounds} rounds alternating which side goes first. Ratio = median of the per-round ratios of requests per second (candidate / baseline); absolute figures are medians over the rounds.`,
    '- Own cost per request: the median over the rounds of 1/candidate − 1/baseline requests per second, in µs. The app is one Node thread kept busy by the connections, so 1/rps is its time per request and the difference is what the candidate adds (for the guard: our guard, beside the same route with the same JWT auth and no guard). Unlike the ratio it does not shrink when the baseline itself is slow (a JWT secret given as a string costs about 290 µs a verify; the sample gives a KeyObject).',
    '- Queries per request: statements TypeORM sent during the measured runs (including BEGIN/COMMIT where the driver logs them) divided by requests answered.',
    '- Guard and usage requests all come from one user (one cached entitlement, one hot usage counter row: the worst case for counting). Pro\'s `api_calls` limit is raised to 1,000,000,000 in the bench so every request is admitted; the final counter is compared with the number of 2xx answers.',
    `- Webhook ingest: distinct signed \`customer.subscription.updated\` events for ${report.settings.users} subscriptions created through real checkouts at the FakeStripe, round-robin. The sync re-fetches each subscription from the FakeStripe (a process of its own, over loopback, as Stripe is elsewhere), so that HTTP call is part of the measured cost; the floor gets the same kind of bodies.`,
    '- Memory: RSS and heap of the app process after a full GC (`--expose-gc`): after a warm-up on the same routes (a tenth of the requests on each, not counted), then after every tenth of the requests (guard and usage routes alternately). RSS is what the OS reports and moves by allocator noise; heap used is the leak signal.',
    '- Nest logs at warn/error level in the bench app (a log line per request would measure the terminal).',
    '',
    '## Results',
    '',
    '| DB | Measure | Target | Ratio (rounds) | Own cost / request | Baseline req/s | Candidate req/s | Baseline p50 / p99 | Candidate p50 / p99 | Queries/request (candidate) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const row of rows(report)) {
    const target = row.target === null ? 'floor' : `≥ ${row.target.toFixed(2)} ${row.ratio >= row.target ? 'met' : '**not met**'}`;
    push(`| ${row.db} | ${row.name} | ${target} | **${f2(row.ratio)}** (${row.ratios.map(f2).join(', ')}) | ${us(row.cost)} | ${f0(row.base.rps)} | ${f0(row.cand.rps)} | ${lat(row.base)} | ${lat(row.cand)} | ${q(row.cand.queriesPerRequest)} |`);
  }
  const drained = drains(report);
  if (drained.length > 0) {
    push('', '### Queued webhooks: acknowledgement cost and backlog drain', '');
    push(`The queued app runs without workers while acknowledgements are measured (so the statements counted are the acknowledgements' alone: deliveries that arrive together are committed together, one statement per batch on PostgreSQL, one transaction of three statements per batch on SQLite), then drains a backlog of ${f0(report.settings.drainEvents)} acknowledged events with \`drainQueued()\` (${report.settings.queueConcurrency} at once). The inline rate is the inline route's candidate rate at the same Stripe latency (50 connections).`, '');
    push('The last column is the drain\'s rate during the busy runs of "@TrackUsage while queued webhooks drain": with `queue.yieldToRequests` (the default) the queue steps back while requests keep the app\'s event loop busy.', '');
    push('| DB | Stripe latency | Statements per acknowledged event | Backlog | Drain time | Drain events/s | Inline route events/s | Drain events/s while @TrackUsage is loaded |', '|---|---|---|---|---|---|---|---|');
    for (const d of drained) push(`| ${d.db} | ${d.ms} ms | ${q(d.ackQueries)} | ${f0(d.ran)} | ${d.seconds.toFixed(1)} s | ${f0(d.eventsPerSecond)} | ${d.inlineRps === null ? '–' : f0(d.inlineRps)} | ${d.whileUsageRps === null ? '–' : f0(d.whileUsageRps)} |`);
  }
  if (previous) pushComparison(push, report, previous);
  push('', '### Usage counts', '');
  for (const r of report.results) push(`- ${r.kind}: ${r.usage.exact.ok ? 'exact' : '**NOT exact**'}: ${f0(r.usage.exact.counted)} counted for ${f0(r.usage.exact.expected)} successful \`@TrackUsage\` requests.`);
  push('', '### Memory', '', '| DB | Requests | RSS after warm-up | RSS after | Growth | Spread of the samples | Heap after warm-up | Heap after |', '|---|---|---|---|---|---|---|---|');
  for (const r of report.results) {
    const x = r.memory;
    push(`| ${r.kind} | ${f0(x.requests)} | ${mb(x.afterWarmup.rss)} | ${mb(x.after.rss)} | ${mb(x.rssGrowthBytes)} | ${mb(x.rssSpreadBytes)} | ${mb(x.afterWarmup.heapUsed)} | ${mb(x.after.heapUsed)} |`);
  }
  push('', '### Stripe calls per operation (counted at the FakeStripe)', '', '| Operation | ' + report.results.map((r) => r.kind).join(' | ') + ' | Calls |', '|---|' + report.results.map(() => '---|').join('') + '---|');
  const ops = Object.keys(report.results[0]?.stripeCalls ?? {});
  for (const op of ops) push(`| ${op} | ${report.results.map((r) => r.stripeCalls[op]?.count ?? '–').join(' | ')} | ${report.results[0].stripeCalls[op].calls.join(', ')} |`);
  push('', `Raw figures of every round: \`bench/results/${report.mode === 'quick' ? 'last-quick' : 'last'}.json\`.`, '');
  writeFileSync(file, lines.join('\n'));
}

/**
 * The new figures beside those of the previous full run (bench/results/last.json before this run
 * overwrote it), and the figures issue 12 was filed with.
 */
function pushComparison(push, report, previous) {
  const before = new Map(rows(previous).map((row) => [`${row.db}/${row.name}`, row]));
  push('', `### Beside the previous full run (${previous.date.slice(0, 16).replace('T', ' ')} UTC)`, '');
  push('Ratios of this run and of the previous full run (each against its own baseline in its own run). The previous run\'s machine load, code and set-up may differ (runs before 2026-11-30 11:00 UTC had the FakeStripe inside the app process); read the direction, not the second decimal.', '');
  push('| DB | Measure | Previous ratio | This run |', '|---|---|---|---|');
  for (const row of rows(report)) {
    const old = before.get(`${row.db}/${row.name}`);
    push(`| ${row.db} | ${row.name} | ${old ? f2(old.ratio) : '–'} | **${f2(row.ratio)}** |`);
  }
  const oldDrains = new Map(drains(previous).map((d) => [`${d.db}/${d.ms}`, d]));
  const drained = drains(report);
  if (drained.length > 0) {
    push('', '| DB | Stripe latency | Previous drain events/s (inline route) | This run (inline route) | Previous statements per acknowledged event | This run |', '|---|---|---|---|---|---|');
    for (const d of drained) {
      const old = oldDrains.get(`${d.db}/${d.ms}`);
      const inline = (x) => (x.inlineRps === null ? '–' : f0(x.inlineRps));
      push(`| ${d.db} | ${d.ms} ms | ${old ? `${f0(old.eventsPerSecond)} (${inline(old)})` : '–'} | **${f0(d.eventsPerSecond)}** (${inline(d)}) | ${old ? q(old.ackQueries) : '–'} | **${q(d.ackQueries)}** |`);
    }
  }
  push('', 'When issue 12 was filed (PostgreSQL, inline only, one run): the webhook route took 481 events/s against 4,303 for the verify-only route (0.06×), with 7 statements and one Stripe call per event inside the transaction; with Stripe at +100 ms, 9 events/s on SQLite and 76 on PostgreSQL, and `@TrackUsage` on the same SQLite process fell from about 1,800 to 260 req/s while 10 webhooks were in flight.');
}

module.exports = { machine, printTable, writeMarkdown };
