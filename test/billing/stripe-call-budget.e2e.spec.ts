import { Controller, Get } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule, ThrottlerStorageService } from '@nestjs/throttler';
import { PaymentsConfigError } from '../../lib';
import { resolvePaymentsOptions } from '../../lib/payments-options.validator';
import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase, testDatabases } from '../support/test-databases';
import { testPlans } from '../support/test-plans';
import { TestUser } from '../support/test-user.entity';
import { call, jwtGuard, stripeCallsDuring } from './billing-kit';

const DEFAULT_LIMIT = 60;

/** Calls a route and keeps the Retry-After header too. */
async function callWithHeaders(app: TestApp, method: string, path: string, user: number, body?: unknown) {
  const res = await fetch(`${app.url}/api/payments/${path}`, {
    method,
    headers: { ...app.auth(user), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
}

// Issue 10, item 7: one billable cannot make the module spend more than its budget of Stripe calls.
describe.each(testDatabases())('Stripe call budget on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 22 });
    app = await startTestApp({ db, fake, payments: { authGuard: jwtGuard } });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  it('alternating checkouts stop at the default budget with 429 too_many_requests and Retry-After; another user is unaffected', async () => {
    const abuser = await app.createUser();
    const answers: Awaited<ReturnType<typeof callWithHeaders>>[] = [];
    fake.pauseDeliveries();
    const calls = await stripeCallsDuring(fake, async () => {
      for (let i = 0; i < 40; i++) answers.push(await callWithHeaders(app, 'POST', 'checkout', abuser.id, { plan: i % 2 ? 'enterprise' : 'pro' }));
    });
    fake.resumeDeliveries();
    expect(calls.length).toBeLessThanOrEqual(DEFAULT_LIMIT);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(10);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 429)).toEqual([]);
    expect(refused[0].body).toEqual({ statusCode: 429, code: 'too_many_requests', message: expect.any(String), retryAfterSeconds: expect.any(Number) });
    expect(Number(refused[0].retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused[0].retryAfter)).toBeLessThanOrEqual(60);

    const other = await app.createUser();
    expect((await call(app, 'POST', 'checkout', { user: other.id, body: { plan: 'pro' } })).status).toBe(200);
    // Routes that never call Stripe stay open to the throttled user.
    expect((await call(app, 'GET', 'subscription', { user: abuser.id })).status).toBe(200);
    expect((await call(app, 'GET', 'plans')).status).toBe(200);
    expect((await call(app, 'GET', 'usage', { user: abuser.id })).status).toBe(200);
  });

  it('100 parallel checkout/status calls with random session ids cost at most the budget', async () => {
    const abuser = await app.createUser();
    let statuses: number[] = [];
    const calls = await stripeCallsDuring(fake, async () => {
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => call(app, 'GET', `checkout/status?session_id=cs_test_random${i}x${abuser.id}`, { user: abuser.id })));
      statuses = answers.map((a) => a.status);
    });
    expect(calls.length).toBeLessThanOrEqual(DEFAULT_LIMIT);
    expect(statuses.filter((s) => s === 404).length).toBe(Math.floor(DEFAULT_LIMIT / 3));
    expect(statuses.filter((s) => s !== 404 && s !== 429)).toEqual([]);
  });

  it('cancel/resume and upgrade/downgrade loops stay within the budget', async () => {
    const user = await app.createUser();
    await app.dataSource.query(`UPDATE users SET trial_used = ${kind === 'postgres' ? 'true' : '1'} WHERE id = ${user.id}`);
    const checkout = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
    expect((await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id })).body.subscription).toMatchObject({ active: true });
    const statuses: number[] = [];
    await fake.waitForDeliveries();
    // Webhook re-fetches are not the routes' calls: held back while counting.
    fake.pauseDeliveries();
    const calls = await stripeCallsDuring(fake, async () => {
      for (let i = 0; i < 30; i++) {
        const [path, body] = [['cancel', {}], ['resume', undefined], ['upgrade', { plan: 'enterprise' }], ['upgrade', { plan: 'pro' }]][i % 4] as [string, unknown];
        statuses.push((await call(app, 'POST', path, { user: user.id, body })).status);
      }
    });
    fake.resumeDeliveries();
    // The checkout and the status poll above already spent 6 + 3 of this minute's budget.
    expect(calls.length).toBeLessThanOrEqual(DEFAULT_LIMIT - 9);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
  });
});

describe.each(testDatabases(['sqlite', 'postgres']))('Stripe call budget options on %s', (kind) => {
  const started: { app: TestApp; fake: FakeStripe; db: TestDatabase }[] = [];

  afterAll(async () => {
    for (const { app, fake, db } of started) {
      await app.close();
      await fake.stop();
      await db.drop();
    }
  });

  async function appWith(payments: Parameters<typeof startTestApp>[0]['payments']): Promise<TestApp> {
    const db = await createTestDatabase(kind);
    const fake = await FakeStripe.start({ seed: 23 });
    const app = await startTestApp({ db, fake, payments: { authGuard: jwtGuard, ...payments } });
    started.push({ app, fake, db });
    return app;
  }

  it('stripeCallBudget: false turns the budget off', async () => {
    const app = await appWith({ stripeCallBudget: false });
    const user = await app.createUser();
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call(app, 'GET', `checkout/status?session_id=cs_test_off${i}`, { user: user.id })));
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(404));
  });

  it('a configured limit and window apply, and the window frees calls as they age', async () => {
    const app = await appWith({ stripeCallBudget: { limit: 6, ttlMs: 1500 } });
    const user = await app.createUser();
    const status = () => call(app, 'GET', `checkout/status?session_id=cs_test_small${Math.random().toString(36).slice(2)}`, { user: user.id });
    expect([(await status()).status, (await status()).status, (await status()).status]).toEqual([404, 404, 429]);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await status()).status).toBe(404);
  });

  it('refuses a budget below the costliest route and a storage without increment()', () => {
    const base = { secretKey: 'sk_test_x', plans: testPlans, billableEntity: TestUser };
    expect(() => resolvePaymentsOptions({ ...base, stripeCallBudget: { limit: 4 } })).toThrow(PaymentsConfigError);
    expect(() => resolvePaymentsOptions({ ...base, stripeCallBudget: { storage: {} as never } })).toThrow(/ThrottlerStorage/);
    expect(resolvePaymentsOptions(base).stripeCallBudget).toEqual({ limit: 60, ttlMs: 60_000 });
  });
});

/** The app's shared throttler storage (Redis in production; one in-process instance here) makes one budget across instances. */
describeEachDb(['postgres'])('Stripe call budget across two instances on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let a: TestApp;
  let b: TestApp;
  const storage = new ThrottlerStorageService();

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 24 });
    a = await startTestApp({ db, fake, payments: { authGuard: jwtGuard, stripeCallBudget: { storage, limit: 30 } } });
    b = await startTestApp({ db, fake, synchronize: false, registerWithFake: false, payments: { authGuard: jwtGuard, stripeCallBudget: { storage, limit: 30 } } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await fake?.stop();
    await db?.drop();
    storage.onApplicationShutdown();
  });

  it('two instances sharing one ThrottlerStorage share one budget', async () => {
    const user = await a.createUser();
    let statuses: number[] = [];
    const calls = await stripeCallsDuring(fake, async () => {
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => call(i % 2 ? b : a, 'GET', `checkout/status?session_id=cs_test_shared${i}`, { user: user.id })),
      );
      statuses = answers.map((x) => x.status);
    });
    expect(calls.length).toBe(10);
    expect(statuses.filter((s) => s === 404)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
  });
});

/** An app route behind the app's own global ThrottlerGuard. */
@Controller('app')
class AppPingController {
  @Get('ping')
  ping() {
    return { ok: true };
  }
}

/** The app's own @nestjs/throttler set-up, sharing one storage with the budget: neither moves the other's counters. */
describe.each(testDatabases(['sqlite', 'postgres']))('Stripe call budget next to the app\'s own throttler on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;
  const shared = new ThrottlerStorageService();
  const APP_LIMIT = 30;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 26 });
    app = await startTestApp({
      db, fake,
      imports: [ThrottlerModule.forRoot({ throttlers: [{ ttl: 60_000, limit: APP_LIMIT }], storage: shared })],
      controllers: [AppPingController],
      providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
      payments: { authGuard: jwtGuard, stripeCallBudget: { limit: 6, storage: shared } },
    });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
    shared.onApplicationShutdown();
  });

  it('the budget answers its own 429 and leaves the app throttler\'s count and refusals as the app set them', async () => {
    const user = await app.createUser();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await call(app, 'GET', `checkout/status?session_id=cs_test_app${i}`, { user: user.id });
      statuses.push(res.status);
      if (res.status === 429) expect(res.body.code).toBe('too_many_requests');
    }
    expect(statuses).toEqual([404, 404, ...Array(8).fill(429)]);
    // The app's throttler (per route and IP) still refuses exactly where the app set it, on the same storage.
    const pings: number[] = [];
    for (let i = 0; i <= APP_LIMIT; i++) pings.push((await fetch(`${app.url}/api/app/ping`)).status);
    expect(pings).toEqual([...Array(APP_LIMIT).fill(200), 429]);
  });
});
