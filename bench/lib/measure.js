'use strict';
// Interleaved baseline/candidate measurement: every figure is a ratio against a baseline measured
// in the same run, alternating in short rounds, so load from other processes hits both sides alike.
const { runLoad } = require('./load');

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * The session with one app process: runs load, reads the query counter around each run, and keeps
 * the totals the correctness checks need (2xx answers per path, anything that was not a 2xx).
 */
class Session {
  constructor(app, settings) {
    this.app = app;
    this.settings = settings;
    this.okByPath = new Map();
    this.problems = [];
  }

  /** One run of `target` (amount = requests); returns the load figures plus queries per request. */
  async run(target, amount) {
    const before = await this.app.call({ op: 'counters' });
    const result = await runLoad({
      url: this.app.url, method: target.method, path: target.path, headers: target.headers, body: target.body,
      next: target.prepare ? target.prepare(amount + this.settings.connections + 16) : undefined,
      amount, connections: this.settings.connections,
    });
    const after = await this.app.call({ op: 'counters' });
    this.okByPath.set(target.path, (this.okByPath.get(target.path) ?? 0) + result.ok);
    if (result.non2xx || result.errors || result.timeouts) {
      this.problems.push(`${target.method} ${target.path}: ${result.non2xx} non-2xx ${JSON.stringify(result.statusCodes)}, ${result.errors} errors, ${result.timeouts} timeouts`);
    }
    return { ...result, queriesPerRequest: (after.queries - before.queries) / Math.max(1, result.answered) };
  }

  /**
   * Baseline vs candidate: a warm-up of each (which also sets each side's request count so a round
   * lasts about `roundSeconds`), then `rounds` rounds alternating which side goes first.
   */
  async pair(baseline, candidate) {
    const { rounds, roundSeconds, warmupRequests, connections } = this.settings;
    const amounts = new Map();
    for (const target of [baseline, candidate]) {
      const warm = await this.run(target, warmupRequests);
      amounts.set(target, Math.max(connections * 4, Math.round(warm.rps * roundSeconds)));
    }
    const runs = { baseline: [], candidate: [] };
    const ratios = [];
    const costs = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['baseline', 'candidate'] : ['candidate', 'baseline'];
      const got = {};
      for (const side of order) {
        const target = side === 'baseline' ? baseline : candidate;
        got[side] = await this.run(target, amounts.get(target));
        runs[side].push(got[side]);
      }
      ratios.push(got.candidate.rps / got.baseline.rps);
      costs.push(ownCostMicros(got.baseline.rps, got.candidate.rps));
    }
    return {
      baseline: summary(baseline, runs.baseline), candidate: summary(candidate, runs.candidate), ratio: median(ratios), ratios,
      costMicros: median(costs), costsMicros: costs,
    };
  }

  /**
   * `target` alone vs `target` while `background()` runs: rounds of quiet, busy, quiet. Each round
   * starts the background work (which answers `{ done, running }`), measures the busy run, awaits
   * `done`, and divides the busy rate by the mean of the round's two quiet runs. `overlapped` says,
   * per round, whether the background was still running when the busy run ended; `backgroundRates`,
   * when the background has a `progress()` count, how fast it went during the busy run (per second).
   */
  async pairWhile(target, background) {
    const { rounds, roundSeconds, warmupRequests, connections } = this.settings;
    const warm = await this.run(target, warmupRequests);
    const amount = Math.max(connections * 4, Math.round(warm.rps * roundSeconds));
    const runs = { baseline: [], candidate: [] };
    const ratios = [];
    const costs = [];
    const overlapped = [];
    const backgroundRates = [];
    for (let round = 0; round < rounds; round++) {
      const before = await this.run(target, amount);
      const { done, running, progress } = await background();
      const from = await progress?.();
      const busy = await this.run(target, amount);
      overlapped.push(running());
      if (progress) backgroundRates.push(((await progress()) - from) / busy.seconds);
      await done;
      const after = await this.run(target, amount);
      const quietRps = (before.rps + after.rps) / 2;
      runs.baseline.push(before, after);
      runs.candidate.push(busy);
      ratios.push(busy.rps / quietRps);
      costs.push(ownCostMicros(quietRps, busy.rps));
    }
    return {
      baseline: summary(target, runs.baseline), candidate: summary({ ...target, label: `${target.label}, webhooks in flight` }, runs.candidate),
      ratio: median(ratios), ratios, costMicros: median(costs), costsMicros: costs, overlapped,
      ...(backgroundRates.length ? { backgroundRate: median(backgroundRates), backgroundRates } : {}),
    };
  }

  /**
   * RSS after a warm-up on `targets` themselves (a tenth of `total` on each, not counted: the
   * earlier phases leave RSS high with webhook bodies), then after every tenth of `total`.
   */
  async memory(targets, total) {
    const chunk = Math.max(this.settings.connections, Math.round(total / 10));
    for (const target of targets) await this.run(target, chunk);
    const first = await this.app.call({ op: 'counters', gc: true });
    const samples = [{ requests: 0, rss: first.rss, heapUsed: first.heapUsed }];
    let sent = 0;
    for (let i = 0; sent < total; i++) {
      const amount = Math.min(chunk, total - sent);
      const result = await this.run(targets[i % targets.length], amount);
      sent += result.answered;
      const now = await this.app.call({ op: 'counters', gc: true });
      samples.push({ requests: sent, rss: now.rss, heapUsed: now.heapUsed });
    }
    const last = samples[samples.length - 1];
    return {
      requests: sent,
      afterWarmup: { rss: first.rss, heapUsed: first.heapUsed },
      after: { rss: last.rss, heapUsed: last.heapUsed },
      rssGrowthBytes: last.rss - first.rss,
      heapGrowthBytes: last.heapUsed - first.heapUsed,
      // The spread of RSS across all samples: a growth within it is noise, not a leak.
      rssSpreadBytes: Math.max(...samples.map((s) => s.rss)) - Math.min(...samples.map((s) => s.rss)),
      samples,
    };
  }
}

/**
 * What the candidate adds to each request, in µs of the app's time: the app is one Node thread kept
 * busy by the connections, so it spends 1/rps s on a request, and the difference of the two sides
 * is the candidate's own work (a guard's, beside the same route and auth without it).
 */
function ownCostMicros(baselineRps, candidateRps) {
  return 1e6 / candidateRps - 1e6 / baselineRps;
}

function summary(target, runs) {
  return {
    route: `${target.method} ${target.path}`,
    label: target.label,
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    queriesPerRequest: median(runs.map((r) => r.queriesPerRequest)),
    requests: runs.reduce((sum, r) => sum + r.answered, 0),
    runs: runs.map((r) => ({ rps: r.rps, p50: r.p50, p99: r.p99, seconds: r.seconds, requests: r.answered, queriesPerRequest: r.queriesPerRequest })),
  };
}

module.exports = { Session, median, ownCostMicros };
