import { pool } from '../support/http-client';
import { diffAgainstStripe, subscriptionsOf } from '../support/oracle';
import { report, rngFor, sized } from '../support/reliability-env';
import { Harness } from '../support/reliability-harness';

const LIVE = ['trialing', 'active', 'past_due', 'unpaid', 'paused', 'incomplete'];

/**
 * R4: the success page's own sync (GET /checkout/status on one instance) races the webhook
 * (delivered through the proxy to both) for the same new subscription.
 */
export async function r4OwnWriteRacesWebhook(h: Harness): Promise<void> {
  const started = Date.now();
  const users = sized({ ci: 20, full: 100 });
  const fromDelivery = h.fake.deliveries.length;
  h.fake.setDelivery({ times: 2, shuffle: true, concurrency: 10, delayMs: [0, 5] });
  let statusCalls = 0;
  let statusNon200 = 0;
  const subs = await pool(10, users, async (i) => {
    const user = await h.user();
    const checkout = await h.call(i, 'POST', 'checkout', user.id, { plan: i % 2 ? 'pro' : 'enterprise' });
    if (checkout.status !== 200) throw new Error(`checkout answered ${checkout.status}`);
    const sessionId: string = checkout.json.sessionId;
    const paid = h.fake.completeCheckout(sessionId, { card: 'success' });
    // The browser lands on the success page while Stripe's webhooks are on their way.
    const answers = await Promise.all([0, 1, 0].map((instance) => h.call(instance + i, 'GET', `checkout/status?session_id=${sessionId}`, user.id)));
    statusCalls += answers.length;
    statusNon200 += answers.filter((a) => a.status !== 200).length;
    return { user, subscriptionId: (await paid).subscriptionId! };
  });
  await h.fake.waitForDeliveries(120_000);
  h.fake.setDelivery({ times: 1, shuffle: false, concurrency: 1, delayMs: 0 });
  const ids = subs.map((s) => s.subscriptionId);
  const rows: { sub: string; n: string }[] = await h.sql.query('SELECT stripe_subscription_id AS sub, COUNT(*) AS n FROM users WHERE stripe_subscription_id = ANY($1) GROUP BY stripe_subscription_id', [ids]);
  const rowsPerSub = new Map(rows.map((r) => [r.sub, Number(r.n)]));
  const notOne = ids.filter((id) => rowsPerSub.get(id) !== 1);
  const diffs = await diffAgainstStripe(h, subs.map((s) => s.user.id));
  const fivexx = h.fake.deliveries.slice(fromDelivery).filter((d) => d.status === 'error' || d.status >= 500).length;
  report('R4', 'checkout status sync races the webhook', {
    subscriptions: users, statusCalls, statusNon200, subscriptionsNotOnExactlyOneRow: notOne.length, dbDiff: diffs.length, '5xx': fivexx,
  }, started);
  expect(notOne).toEqual([]);
  expect(diffs).toEqual([]);
  expect(statusNon200).toBe(0);
  expect(fivexx).toBe(0);
}

/**
 * R5: 10 parallel POST /checkout of one user over both instances (half the users asking for
 * mixed plans), then every session handed out is paid at once.
 */
export async function r5ParallelCheckouts(h: Harness): Promise<void> {
  const started = Date.now();
  const rng = rngFor('R5');
  const users = sized({ ci: 10, full: 40 });
  let maxOpen = 0;
  let maxLive = 0;
  let maxCustomers = 0;
  let answered5xx = 0;
  let sessionsHandedOut = 0;
  let paidSessions = 0;
  for (let u = 0; u < users; u++) {
    const user = await h.user();
    const mixed = u % 2 === 1;
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => h.call(i, 'POST', 'checkout', user.id, { plan: mixed && rng.next() < 0.5 ? 'enterprise' : 'pro' })),
    );
    answered5xx += answers.filter((a) => a.status >= 500).length;
    const open = [...h.fake.state.checkoutSessions.values()].filter((s) => s.client_reference_id === String(user.id) && s.status === 'open');
    maxOpen = Math.max(maxOpen, open.length);
    const customers = [...h.fake.state.customers.values()].filter((c) => c.metadata?.billable_id === String(user.id));
    maxCustomers = Math.max(maxCustomers, customers.length);
    const handedOut = [...new Set(answers.filter((a) => a.status === 200).map((a) => a.json.sessionId as string))];
    sessionsHandedOut += handedOut.length;
    // A person with several tabs pays every page they were given, at the same time.
    const results = await Promise.allSettled(handedOut.map((id) => h.fake.completeCheckout(id, { card: 'success' })));
    paidSessions += results.filter((r) => r.status === 'fulfilled' && r.value.subscriptionId).length;
    const live = subscriptionsOf(h, user.id).filter((s) => LIVE.includes(s.status));
    maxLive = Math.max(maxLive, live.length);
  }
  await h.fake.waitForDeliveries(60_000);
  report('R5', '10 parallel checkouts per user, 2 instances', {
    users, requests: users * 10, sessionsHandedOut, maxOpenSessions: maxOpen, maxCustomersPerUser: maxCustomers, paidSessions, maxLiveSubscriptions: maxLive, '5xx': answered5xx,
  }, started);
  expect(maxOpen).toBeLessThanOrEqual(1);
  expect(maxCustomers).toBe(1);
  expect(maxLive).toBeLessThanOrEqual(1);
  expect(answered5xx).toBe(0);
}
