import { pool } from '../support/http-client';
import { report, rngFor, sized } from '../support/reliability-env';
import { Harness } from '../support/reliability-harness';

const DAY_MS = 86_400_000;
const PRO_LIMIT = 100; // testPlans: pro api_calls

interface Shot {
  user: number;
  key: string;
}

/**
 * R11: concurrent metered calls over both instances, every call with an Idempotency-Key and 10%
 * of them repeating an earlier key of the same user. Unlimited (enterprise) users check that no
 * increment is lost or counted twice; limited (pro, 100 calls) users that none is admitted over the limit.
 */
export async function r11Usage(h: Harness): Promise<void> {
  const started = Date.now();
  const rng = rngFor('R11');
  const total = sized({ ci: 10_000, full: 100_000 });
  const limitedUsers = sized({ ci: 10, full: 50 });
  const unlimitedUsers = sized({ ci: 20, full: 100 });
  const limitedShare = Math.floor(total * 0.2);
  const unlimited = await subscribedUsers(h, unlimitedUsers, 'enterprise');
  const limited = await subscribedUsers(h, limitedUsers, 'pro');
  const shots: Shot[] = [];
  const keysOf = new Map<number, string[]>();
  for (let i = 0; i < total; i++) {
    const user = i < limitedShare ? limited[i % limited.length] : unlimited[i % unlimited.length];
    const earlier = keysOf.get(user) ?? [];
    const key = earlier.length > 0 && rng.next() < 0.1 ? rng.pick(earlier) : `r11-${user}-${i}`;
    if (!earlier.includes(key)) keysOf.set(user, [...earlier, key]);
    shots.push({ user, key });
  }
  const order = rng.shuffle(shots.map((_, i) => i));
  const repeatedKeys = total - [...keysOf.values()].reduce((n, k) => n + k.length, 0);
  const resetsBefore = h.http.resets;
  const statuses: Record<number, number> = {};
  const admittedKeys = new Map<number, Set<string>>();
  await pool(64, order.length, async (n) => {
    const shot = shots[order[n]];
    const app = h.apps[n % 2];
    const answer = await h.http.send(`${app.url}/api/metered/call`, { headers: { ...app.auth(shot.user), 'idempotency-key': shot.key } });
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    if (answer.status === 200) {
      const set = admittedKeys.get(shot.user) ?? new Set<string>();
      set.add(shot.key);
      admittedKeys.set(shot.user, set);
    }
  });
  const counters: { billable_id: string; used: number }[] = await h.sql.query(
    "SELECT billable_id, SUM(used)::int AS used FROM payments_usage_counters WHERE metric = 'api_calls' AND billable_id = ANY($1) GROUP BY billable_id",
    [[...unlimited, ...limited].map(String)],
  );
  const used = new Map(counters.map((c) => [Number(c.billable_id), c.used]));
  let lost = 0;
  let countedTwice = 0;
  let overLimit = 0;
  let underAdmitted = 0;
  for (const user of [...unlimited, ...limited]) {
    const admitted = admittedKeys.get(user)?.size ?? 0;
    const counted = used.get(user) ?? 0;
    lost += Math.max(0, admitted - counted);
    countedTwice += Math.max(0, counted - admitted);
    if (limited.includes(user)) {
      overLimit += Math.max(0, counted - PRO_LIMIT);
      // Every limited user had more distinct keys than the limit: fewer admitted means wrongly refused.
      underAdmitted += Math.max(0, Math.min(PRO_LIMIT, keysOf.get(user)!.length) - admitted);
    }
  }
  const fivexx = Object.entries(statuses).filter(([s]) => Number(s) >= 500).reduce((n, [, c]) => n + c, 0);
  report('R11', 'concurrent usage increments, 2 instances, 10% repeated keys', {
    requests: total, repeatedKeys,
    statuses: Object.entries(statuses).map(([s, c]) => `${s}:${c}`).join(','), lost, countedTwice, admittedOverLimit: overLimit, underAdmitted, '5xx': fivexx, socketResetsResent: h.http.resets - resetsBefore,
    requestsPerSecond: Math.round(total / ((Date.now() - started) / 1000)),
  }, started);
  expect(lost).toBe(0);
  expect(countedTwice).toBe(0);
  expect(overLimit).toBe(0);
  expect(underAdmitted).toBe(0);
  expect(fivexx).toBe(0);
}

/** Users on a live subscription of `plan` (written directly: R11 and R14 are about counting, not billing). */
export async function subscribedUsers(h: Harness, count: number, plan: 'pro' | 'enterprise'): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const user = await h.user();
    await h.sql.query(
      `UPDATE users SET plan = $2, subscription_status = 'active', stripe_subscription_id = $3, current_period_start = $4, current_period_end = $5 WHERE id = $1`,
      [user.id, plan, `sub_r11_${user.id}`, new Date(Date.now() - DAY_MS), new Date(Date.now() + 29 * DAY_MS)],
    );
    ids.push(user.id);
  }
  return ids;
}
