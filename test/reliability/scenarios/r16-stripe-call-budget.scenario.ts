import { ThrottlerStorageService } from '@nestjs/throttler';
import { startTestApp, TestApp } from '../../support/test-app';
import { TestUser } from '../../support/test-user.entity';
import { CapturingLogger } from '../support/capture';
import { HttpAnswer } from '../support/http-client';
import { checkoutAndPay } from '../support/lifecycles';
import { report, rngFor, sized } from '../support/reliability-env';
import { Harness, jwtGuard } from '../support/reliability-harness';

/** The module's defaults, stated here so the figure names the budget it was held to. */
const BUDGET = { limit: 60, ttlMs: 60_000 };

interface Sample {
  at: number;
  calls: number;
}

/** The most calls in any window of `ms` ending at a sample (samples in time order). */
function maxInWindow(samples: Sample[], ms: number): number {
  let best = 0;
  let from = 0;
  let sum = 0;
  for (const sample of samples) {
    sum += sample.calls;
    while (samples[from].at <= sample.at - ms) sum -= samples[from++].calls;
    best = Math.max(best, sum);
  }
  return best;
}

/**
 * R16 (issue 10, item 7): two abusive users loop every Stripe-calling billing route over two
 * instances that share one throttler storage (as a shared Redis storage would), one with a
 * subscription (status polls with random ids, portal, cancel/resume, upgrade/downgrade), one
 * without (alternating checkouts, status polls). Their Stripe calls per sliding minute must stay
 * within the default budget, while a normal user interleaved with them is never refused. Requests
 * run one at a time and webhook deliveries are held, so every Stripe call is attributed exactly.
 */
export async function r16StripeCallBudget(h: Harness): Promise<void> {
  const started = Date.now();
  const rng = rngFor('R16');
  const seconds = sized({ ci: 20, full: 75 });
  const storage = new ThrottlerStorageService();
  const apps: TestApp[] = [];
  try {
    for (const name of ['app-r16a', 'app-r16b']) {
      apps.push(
        await startTestApp({
          db: h.db, fake: h.fake, synchronize: false, registerWithFake: false, logger: new CapturingLogger(h.capture, name),
          payments: { authGuard: jwtGuard, stripeCallBudget: { ...BUDGET, storage } },
        }),
      );
    }
    const [subscribed, free, normal] = [await h.user(), await h.user(), await h.user()];
    await checkoutAndPay(h, 0, subscribed, 'pro');
    const normalLife = await checkoutAndPay(h, 1, normal, 'pro');
    const normalSession = [...h.fake.state.checkoutSessions.values()].find((s) => s.subscription === normalLife.subscriptionId)!.id;
    await h.fake.waitForDeliveries(60_000);
    // Let any webhook work of the set-up finish before calls are attributed.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    h.fake.pauseDeliveries();

    let n = 0;
    const call = async (user: TestUser, method: string, path: string, body?: unknown): Promise<{ answer: HttpAnswer; calls: number }> => {
      const app = apps[n++ % 2];
      const before = h.fake.requests.length;
      const answer = await h.http.json(`${app.url}/api/payments/${path}`, method, app.auth(user.id), body);
      return { answer, calls: h.fake.requests.length - before };
    };
    const randomStatus = () => `checkout/status?session_id=cs_test_r16${rng.int(0, 1e9)}`;
    const subscribedMoves: [string, string, unknown?][] = [
      ['GET', 'status'], ['POST', 'portal', {}], ['POST', 'cancel', {}], ['POST', 'resume'], ['POST', 'upgrade', { plan: 'enterprise' }], ['POST', 'upgrade', { plan: 'pro' }],
    ];
    const samples = new Map<string, Sample[]>([['subscribed', []], ['free', []]]);
    const abuserStatuses = new Map<number, number>();
    const normalStatuses = new Map<number, number>();
    let abuserRequests = 0;
    let lastNormal = 0;
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      const who = abuserRequests % 2 === 0 ? 'subscribed' : 'free';
      let result: { answer: HttpAnswer; calls: number };
      if (who === 'subscribed') {
        const [method, path, body] = subscribedMoves[rng.int(0, subscribedMoves.length - 1)];
        result = await call(subscribed, method, path === 'status' ? randomStatus() : path, body);
      } else {
        result = rng.next() < 0.7 ? await call(free, 'POST', 'checkout', { plan: rng.next() < 0.5 ? 'pro' : 'enterprise' }) : await call(free, 'GET', randomStatus());
      }
      abuserRequests++;
      samples.get(who)!.push({ at: Date.now(), calls: result.calls });
      abuserStatuses.set(result.answer.status, (abuserStatuses.get(result.answer.status) ?? 0) + 1);
      // A person on the billing page: a click every few seconds (a success-page poll costs 3 of their 60).
      if (Date.now() - lastNormal >= 5000) {
        lastNormal = Date.now();
        const own = rng.next() < 0.5 ? await call(normal, 'GET', `checkout/status?session_id=${normalSession}`) : await call(normal, 'POST', 'portal', {});
        normalStatuses.set(own.answer.status, (normalStatuses.get(own.answer.status) ?? 0) + 1);
      }
    }
    h.fake.resumeDeliveries();
    await h.fake.waitForDeliveries(60_000);

    const perMinute = (who: string) => maxInWindow(samples.get(who)!, BUDGET.ttlMs);
    const total = (who: string) => samples.get(who)!.reduce((s, x) => s + x.calls, 0);
    const count = (map: Map<number, number>, test: (status: number) => boolean) => [...map].filter(([s]) => test(s)).reduce((s, [, c]) => s + c, 0);
    const fmt = (map: Map<number, number>) => [...map].sort(([a], [b]) => a - b).map(([s, c]) => `${s}:${c}`).join(',');
    report('R16', 'abusive users loop the Stripe-calling routes, 2 instances, one shared budget', {
      seconds, budgetPerMinute: BUDGET.limit, abuserRequests, abuserStatuses: fmt(abuserStatuses),
      stripeCallsSubscribedAbuser: total('subscribed'), stripeCallsFreeAbuser: total('free'),
      maxStripeCallsPerMinuteSubscribedAbuser: perMinute('subscribed'), maxStripeCallsPerMinuteFreeAbuser: perMinute('free'),
      normalUserRequests: count(normalStatuses, () => true), normalUserStatuses: fmt(normalStatuses), normalUserRefused: count(normalStatuses, (s) => s !== 200), '5xx': count(abuserStatuses, (s) => s >= 500),
    }, started);
    expect(perMinute('subscribed')).toBeLessThanOrEqual(BUDGET.limit);
    expect(perMinute('free')).toBeLessThanOrEqual(BUDGET.limit);
    // The budget was reached, or the figures above would prove nothing.
    expect(abuserStatuses.get(429) ?? 0).toBeGreaterThan(0);
    expect(count(normalStatuses, (s) => s !== 200)).toBe(0);
    expect(count(normalStatuses, () => true)).toBeGreaterThan(0);
    expect(count(abuserStatuses, (s) => s >= 500)).toBe(0);
  } finally {
    h.fake.resumeDeliveries();
    for (const app of apps.reverse()) await app.close();
    storage.onApplicationShutdown();
  }
}
