import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { testHttpAdapter } from '../support/http-adapter';
import { call, jwtGuard, stripeCallsDuring } from './billing-kit';

const onFastify = testHttpAdapter() === 'fastify';

/** Sends a raw body with the given Content-Type (or none). */
async function send(app: TestApp, path: string, user: number, body: string | undefined, contentType?: string) {
  const headers: Record<string, string> = { ...app.auth(user), ...(contentType ? { 'content-type': contentType } : {}) };
  // A Blob without a type makes fetch send no Content-Type (a string body would get text/plain).
  const res = await fetch(`${app.url}/api/payments/${path}`, { method: 'POST', headers, body: body === undefined || contentType ? body : new Blob([body]) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** `{"plan":"pro","x":[[[...]]]}` nested `depth` levels in all. */
const nested = (depth: number) => `{"plan":"pro","x":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

// Issue 10, items 8 and 9: non-JSON bodies and absurd nesting are refused before anything runs.
describe.each(testDatabases())('billing request hardening on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 25 });
    app = await startTestApp({ db, fake, payments: { authGuard: jwtGuard, stripeCallBudget: false } });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  it('a text/plain POST /cancel (what a cross-site form can send) is 415 and cancels nothing', async () => {
    const user = await app.createUser();
    const checkout = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    const { subscriptionId } = await fake.completeCheckout(checkout.body.sessionId);
    await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id });
    const answer = await send(app, 'cancel', user.id, '{}', 'text/plain');
    expect(answer).toEqual({ status: 415, body: { statusCode: 415, code: 'unsupported_media_type', message: expect.any(String) } });
    expect(fake.state.subscriptions.get(subscriptionId!)!.cancel_at_period_end).toBe(false);
    // The same request as JSON goes through.
    expect((await send(app, 'cancel', user.id, '{}', 'application/json; charset=utf-8')).status).toBe(200);
    expect(fake.state.subscriptions.get(subscriptionId!)!.cancel_at_period_end).toBe(true);
  });

  it.each([
    ['an urlencoded body', 'plan=pro', 'application/x-www-form-urlencoded'],
    ['a multipart body', '--b\r\nContent-Disposition: form-data; name="plan"\r\n\r\npro\r\n--b--\r\n', 'multipart/form-data; boundary=b'],
    ['JSON sent as text/plain', '{"plan":"pro"}', 'text/plain'],
    ['an XML body', '<plan>pro</plan>', 'application/xml'],
    ['a body without Content-Type', '{"plan":"pro"}', undefined],
  ])('POST /checkout with %s is 415 and calls no Stripe', async (_name, body, type) => {
    const user = await app.createUser();
    await fake.waitForDeliveries();
    let answer!: Awaited<ReturnType<typeof send>>;
    const calls = await stripeCallsDuring(fake, async () => {
      answer = await send(app, 'checkout', user.id, body, type);
    });
    // Fastify refuses a content type it has no parser for before any route runs, in its own shape.
    expect(answer).toMatchObject(onFastify ? { status: 415 } : { status: 415, body: { code: 'unsupported_media_type' } });
    expect(calls).toEqual([]);
  });

  it('a body-less POST /resume passes with no Content-Type or with a JSON one', async () => {
    const user = await app.createUser();
    // Fastify refuses an empty body sent as JSON itself (400): body-less POSTs go without a Content-Type there.
    for (const type of onFastify ? [undefined] : [undefined, 'application/json', 'application/merge-patch+json']) {
      expect(await send(app, 'resume', user.id, undefined, type)).toMatchObject({ status: 400, body: { code: 'not_in_grace_period' } });
    }
  });

  it('nesting deeper than 16 levels is 400 invalid_request, from 17 levels to 5,000', async () => {
    const user = await app.createUser();
    for (const depth of [17, 100, 5000]) {
      const answer = await send(app, 'checkout', user.id, nested(depth), 'application/json');
      expect(answer).toMatchObject({ status: 400, body: { code: 'invalid_request', maxDepth: 16 } });
    }
    // 16 levels is within the bound: the unknown field is what gets refused.
    expect(await send(app, 'checkout', user.id, nested(16), 'application/json')).toMatchObject({ status: 400, body: { code: 'invalid_request', errors: [{ field: 'x' }] } });
  });

  it('a 98 kB deeply nested body is refused with the same 400 every time (it was a 500 and a stack trace per request)', async () => {
    const user = await app.createUser();
    const deep = nested(49_000);
    expect(deep.length).toBeGreaterThan(98_000);
    // Refused before class-transformer walks it (that walk overflowed the stack). Tests assert no times.
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(app, 'checkout', user.id, deep, 'application/json')));
    for (const answer of answers) expect(answer).toMatchObject({ status: 400, body: { code: 'invalid_request', maxDepth: 16 } });
  });
});
