import { pool } from '../support/http-client';
import { report, rngFor, sized } from '../support/reliability-env';
import { Harness, keyedRuns } from '../support/reliability-harness';
import { subscribedUsers } from './r11-usage.scenario';

const PRO_LIMIT = 100; // testPlans: pro api_calls
const KEYS_PER_USER = 150; // past the limit: 50 keys per user must be refused, on every send

interface Shot {
  user: number;
  key: string;
}

/**
 * R14 (issue 10, item 1): a reused Idempotency-Key must never lift the limit. Each limited user
 * sends 150 distinct keys, each key 1 to 5 times, all shuffled and in parallel over both
 * instances. A repeat is either the first answer replayed (same run number), 409 while the first
 * still runs, or 429 when the key's first use was refused; it never runs the handler again.
 */
export async function r14KeyedRepeats(h: Harness): Promise<void> {
  const started = Date.now();
  const rng = rngFor('R14');
  const users = await subscribedUsers(h, sized({ ci: 10, full: 50 }), 'pro');
  const shots: Shot[] = [];
  for (const user of users) {
    for (let k = 0; k < KEYS_PER_USER; k++) {
      const key = `r14-${user}-${k}`;
      const sends = rng.int(1, 5);
      for (let s = 0; s < sends; s++) shots.push({ user, key });
    }
  }
  const order = rng.shuffle(shots.map((_, i) => i));
  const runsBefore = keyedRuns.count;
  const statuses: Record<number, number> = {};
  // Per user, per key: the run numbers of the answers that said 200.
  const answers = new Map<number, Map<string, Set<number>>>();
  await pool(64, order.length, async (n) => {
    const shot = shots[order[n]];
    const app = h.apps[n % 2];
    const answer = await h.http.send(`${app.url}/api/metered/keyed`, { headers: { ...app.auth(shot.user), 'idempotency-key': shot.key } });
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    if (answer.status !== 200) return;
    const keys = answers.get(shot.user) ?? new Map<string, Set<number>>();
    const runs = keys.get(shot.key) ?? new Set<number>();
    runs.add(answer.json?.run);
    keys.set(shot.key, runs);
    answers.set(shot.user, keys);
  });
  const handlerRuns = keyedRuns.count - runsBefore;
  const counters: { billable_id: string; used: number }[] = await h.sql.query(
    "SELECT billable_id, SUM(used)::int AS used FROM payments_usage_counters WHERE metric = 'api_calls' AND billable_id = ANY($1) GROUP BY billable_id",
    [users.map(String)],
  );
  const used = counters.reduce((sum, c) => sum + c.used, 0);
  let admittedOverLimit = 0;
  let keysRunTwice = 0;
  let underAdmitted = 0;
  for (const user of users) {
    const keys = answers.get(user) ?? new Map<string, Set<number>>();
    admittedOverLimit += Math.max(0, keys.size - PRO_LIMIT);
    underAdmitted += Math.max(0, PRO_LIMIT - keys.size);
    for (const runs of keys.values()) if (runs.size > 1) keysRunTwice++;
  }
  const fivexx = Object.entries(statuses).filter(([s]) => Number(s) >= 500).reduce((n, [, c]) => n + c, 0);
  const repeats = shots.length - users.length * KEYS_PER_USER;
  report('R14', 'keyed repeats past the limit, 2 instances, in parallel', {
    requests: shots.length, keys: users.length * KEYS_PER_USER, repeats,
    statuses: Object.entries(statuses).map(([s, c]) => `${s}:${c}`).join(','),
    keyedRepeatsOverLimitAdmitted: admittedOverLimit, keysRunTwice, handlerRuns, used, underAdmitted, '5xx': fivexx,
    requestsPerSecond: Math.round(shots.length / ((Date.now() - started) / 1000)),
  }, started);
  expect(admittedOverLimit).toBe(0);
  expect(keysRunTwice).toBe(0);
  expect(handlerRuns).toBe(used);
  expect(used).toBe(users.length * PRO_LIMIT);
  expect(underAdmitted).toBe(0);
  expect(fivexx).toBe(0);
  // Every answer is a replay, a refusal or a wait: nothing else.
  expect(Object.keys(statuses).filter((s) => !['200', '409', '429'].includes(s))).toEqual([]);
}
