import { createHmac } from 'node:crypto';
import { checkoutAndPay } from '../support/lifecycles';
import { actualRow } from '../support/oracle';
import { report } from '../support/reliability-env';
import { Harness } from '../support/reliability-harness';
import { TestUser } from '../../support/test-user.entity';

interface Abuse {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  /** 'attacker' (default), 'victim', 'none' (no token), or a raw Authorization header. */
  as?: 'attacker' | 'victim' | 'none' | { raw: string };
  headers?: Record<string, string>;
}

const EVIL_URLS = ['https://evil.example/x', '//evil.example/x', 'javascript:alert(1)', 'http://app.test@evil.example/', 'http://app.test.evil.example/', 'https://app.test/ok', 'data:text/html,hi', '\\\\evil.example'];

/** A JWT for `sub` signed with a key the app does not trust, or with no signature at all. */
function forgedJwt(sub: number, alg: 'HS256' | 'none'): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg, typ: 'JWT' });
  const payload = enc({ sub, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 3600 });
  const sig = alg === 'none' ? '' : createHmac('sha256', 'not-the-app-secret').update(`${head}.${payload}`).digest('base64url');
  return `Bearer ${head}.${payload}.${sig}`;
}

/**
 * R10: every route with another user's ids, unknown plans, raw price ids, bad quantities, extra
 * fields, foreign redirect URLs, forged tokens and malformed bodies. None may succeed (bypass),
 * none may reach Stripe with a write, and the victim's billing state must not move.
 */
export async function r10Abuse(h: Harness): Promise<void> {
  const started = Date.now();
  const victim = await h.user();
  const attacker = await h.user();
  const life = await checkoutAndPay(h, 0, victim, 'pro');
  const victimSession = [...h.fake.state.checkoutSessions.values()].find((s) => s.subscription === life.subscriptionId)!.id;
  await h.call(1, 'POST', 'checkout', attacker.id, { plan: 'enterprise' }); // the attacker has a customer and an open session
  await h.fake.waitForDeliveries(30_000);
  const victimBefore = actualRow(await h.sql.getRepository(TestUser).findOneByOrFail({ id: victim.id }));
  const subBefore = JSON.stringify(h.fake.state.subscriptions.get(life.subscriptionId));

  const cases: Abuse[] = [
    { name: 'foreign session id', method: 'GET', path: `checkout/status?session_id=${victimSession}` },
    { name: 'unknown session id', method: 'GET', path: 'checkout/status?session_id=cs_test_doesnotexist' },
    { name: 'path in session id', method: 'GET', path: 'checkout/status?session_id=../../v1/customers' },
    { name: 'array session id', method: 'GET', path: `checkout/status?session_id[]=${victimSession}` },
    { name: 'no session id', method: 'GET', path: 'checkout/status' },
    ...['nope', 'price_pro_month', 'price_enterprise_month', 'free', '', ' pro', 'PRO', '__proto__', 'constructor', 'x'.repeat(5000)].map((plan) => ({ name: `checkout plan ${plan.slice(0, 20)}`, method: 'POST', path: 'checkout', body: { plan } })),
    ...[0, -1, 1e9, 1.5, '1'].map((quantity) => ({ name: `checkout quantity ${quantity}`, method: 'POST', path: 'checkout', body: { plan: 'pro', quantity } })),
    ...['week', 'decade', 1, ''].map((interval) => ({ name: `checkout interval ${interval}`, method: 'POST', path: 'checkout', body: { plan: 'pro', interval } })),
    ...[
      { price: 'price_enterprise_month' }, { priceId: 'price_enterprise_month' }, { trial_period_days: 365 }, { trialDays: 365 }, { coupon: 'FREE100' },
      { discounts: [{ coupon: 'FREE100' }] }, { customer: 'cus_victim' }, { client_reference_id: 'victim' }, { billableId: 'victim' }, { metadata: { plan: 'enterprise' } },
      { status: 'active' }, { successUrl: 'http://app.test/ok', extra: true },
    ].map((extra) => ({ name: `checkout extra ${Object.keys(extra)[0]}`, method: 'POST', path: 'checkout', body: { plan: 'pro', ...extra } })),
    ...EVIL_URLS.flatMap((url) => [
      { name: `checkout successUrl ${url}`, method: 'POST', path: 'checkout', body: { plan: 'pro', successUrl: url } },
      { name: `checkout cancelUrl ${url}`, method: 'POST', path: 'checkout', body: { plan: 'pro', cancelUrl: url } },
      { name: `portal returnUrl ${url}`, method: 'POST', path: 'portal', body: { returnUrl: url }, as: 'victim' as const },
    ]),
    ...['price_enterprise_month', 'nope', 'free'].map((plan) => ({ name: `upgrade plan ${plan}`, method: 'POST', path: 'upgrade', body: { plan }, as: 'victim' as const })),
    { name: 'upgrade extra quantity', method: 'POST', path: 'upgrade', body: { plan: 'enterprise', quantity: 1e9 }, as: 'victim' },
    { name: 'upgrade extra subscription', method: 'POST', path: 'upgrade', body: { plan: 'enterprise', subscriptionId: life.subscriptionId } },
    { name: 'cancel immediately (disabled)', method: 'POST', path: 'cancel', body: { immediately: true }, as: 'victim' },
    { name: 'cancel immediately as string', method: 'POST', path: 'cancel', body: { immediately: 'yes' }, as: 'victim' },
    { name: 'cancel foreign subscription', method: 'POST', path: 'cancel', body: { subscriptionId: life.subscriptionId } },
    { name: 'cancel foreign billable', method: 'POST', path: 'cancel', body: { billableId: String(victim.id) } },
    { name: 'resume without subscription', method: 'POST', path: 'resume' },
    { name: 'checkout body array', method: 'POST', path: 'checkout', body: '[{"plan":"pro"}]' },
    { name: 'checkout body null', method: 'POST', path: 'checkout', body: 'null' },
    { name: 'checkout body broken', method: 'POST', path: 'checkout', body: '{"plan":' },
    { name: 'checkout proto pollution', method: 'POST', path: 'checkout', body: '{"plan":"pro","__proto__":{"trial_period_days":365,"polluted":1}}' },
    { name: 'checkout constructor pollution', method: 'POST', path: 'checkout', body: '{"plan":"pro","constructor":{"prototype":{"polluted":1}}}' },
    ...['subscription', 'checkout', 'portal', 'cancel', 'resume', 'upgrade', 'usage'].flatMap((route) => {
      const method = ['subscription', 'usage'].includes(route) ? 'GET' : 'POST';
      const body = route === 'checkout' || route === 'upgrade' ? { plan: 'enterprise' } : undefined;
      return [
        { name: `${route} without token`, method, path: route, body, as: 'none' as const },
        { name: `${route} forged token`, method, path: route, body, as: { raw: forgedJwt(victim.id, 'HS256') } },
        { name: `${route} alg none token`, method, path: route, body, as: { raw: forgedJwt(victim.id, 'none') } },
      ];
    }),
    ...['-1', '1000001', '1e9', '1.5', 'abc', '1e308', 'NaN', 'Infinity'].map((q) => ({ name: `usage quantity ${q}`, method: 'GET', path: `/api/metered/export?q=${q}` })),
    { name: 'usage key too long', method: 'GET', path: '/api/metered/call', headers: { 'idempotency-key': 'k'.repeat(300) } },
    { name: 'usage key not ascii', method: 'GET', path: '/api/metered/call', headers: { 'idempotency-key': 'clé' } },
  ];

  const stripeFrom = h.fake.requests.length;
  const bypasses: string[] = [];
  const passed: string[] = [];
  const rejectedCalls: { method: string; path: string; case: string }[] = [];
  const serverErrors: string[] = [];
  for (const [i, c] of cases.entries()) {
    const app = h.apps[i % 2];
    const who = c.as ?? 'attacker';
    const auth = who === 'none' ? {} : typeof who === 'object' ? { Authorization: who.raw } : app.auth(who === 'victim' ? victim.id : attacker.id);
    const url = c.path.startsWith('/') ? `${app.url}${c.path}` : `${app.url}/api/payments/${c.path}`;
    const before = h.fake.requests.length;
    const answer = await h.http.json(url, c.method, { ...auth, ...c.headers }, c.body);
    if (answer.status < 400) bypasses.push(`${c.name}: ${answer.status} ${answer.text.slice(0, 200)}`);
    if (answer.status >= 400) rejectedCalls.push(...h.fake.requests.slice(before).map((r) => ({ ...r, case: c.name })));
    else passed.push(c.name);
    if (answer.status >= 500) serverErrors.push(`${c.name}: ${answer.status}`);
  }
  const calls = h.fake.requests.slice(stripeFrom);
  const writes = rejectedCalls.filter((r) => r.method !== 'GET');
  // What a pollution attempt could have changed: the prototype, or the trial of the session it got.
  const open = [...h.fake.state.checkoutSessions.values()].filter((s) => s.client_reference_id === String(attacker.id) && s.status === 'open');
  const paid = await Promise.all(open.map((s) => h.fake.completeCheckout(s.id)));
  const longTrial = paid.some((p) => (h.fake.state.subscriptions.get(p.subscriptionId!)?.trial_end ?? 0) > h.fake.now() + 14 * 86_400);
  const polluted = ({} as Record<string, unknown>).polluted !== undefined || longTrial;
  const victimAfter = actualRow(await h.sql.getRepository(TestUser).findOneByOrFail({ id: victim.id }));
  const victimMoved = JSON.stringify(victimAfter) !== JSON.stringify(victimBefore) || JSON.stringify(h.fake.state.subscriptions.get(life.subscriptionId)) !== subBefore;
  report('R10', 'authorisation and input abuse on every route', {
    requests: cases.length, bypasses: bypasses.length, '5xx': serverErrors.length, stripeWritesForRejected: writes.length, stripeReadsForRejected: rejectedCalls.length - writes.length, stripeCallsTotal: calls.length,
    harmlessPasses: passed.length, polluted: polluted ? 1 : 0, victimStateChanged: victimMoved ? 1 : 0,
  }, started);
  expect(bypasses).toEqual([]);
  expect(serverErrors).toEqual([]);
  expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([]);
  expect(victimMoved).toBe(false);
  expect(polluted).toBe(false);
}
