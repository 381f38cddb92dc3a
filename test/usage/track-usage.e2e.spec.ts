import { BadRequestException, Controller, Get, Post, Query, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { LimitName, RequiresFeature, TrackUsage, UsageCounterEntity, UsageRecordEntity, UsageService } from '../../lib';
import { activeState, writeBillingState } from '../access/access-test-helpers';
import { createTestDatabase, testDatabases, TestDatabase } from '../support/test-databases';
import { startTestApp, TestApp } from '../support/test-app';

@Controller('metered')
@UseGuards(AuthGuard('jwt'))
class MeteredController {
  @TrackUsage('api_calls')
  @Get('call')
  call() {
    return { ok: true };
  }

  @TrackUsage('api_calls')
  @Get('fail')
  fail() {
    throw new BadRequestException('handler failed');
  }

  @RequiresFeature('advanced_exports')
  @TrackUsage('exports', { quantity: (req) => Number(req.query.n ?? 1) })
  @Post('export')
  export(@Query('n') n: string) {
    return { exported: Number(n ?? 1) };
  }
}

@Controller('misconfigured')
class MisconfiguredController {
  @TrackUsage('not_a_metric' as never)
  @Get()
  call() {
    return { ok: true };
  }
}

describe.each(testDatabases())('@TrackUsage and GET /usage on %s', (kind) => {
  let db: TestDatabase;
  let app: TestApp;
  let clock: Date;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    clock = new Date('2026-03-31T23:59:58.000Z');
    app = await startTestApp({ db, controllers: [MeteredController], payments: { authGuard: AuthGuard('jwt'), now: () => clock } });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const call = async (method: string, path: string, userId?: number, headers: Record<string, string> = {}) => {
    const res = await fetch(`${app.url}/api${path}`, { method, headers: { ...(userId === undefined ? {} : app.auth(userId)), ...headers } });
    return { status: res.status, body: (await res.json()) as any, retryAfter: res.headers.get('retry-after') };
  };
  const usageOf = async (userId: number, metric: string) => (await call('GET', '/payments/usage', userId)).body.usage.find((m: { metric: string }) => m.metric === metric);

  it('counts against the free plan, refuses the 6th call with 429 before the handler, and resets next calendar month', async () => {
    clock = new Date('2026-03-31T23:59:58.000Z');
    const user = await app.createUser();
    for (let i = 0; i < 5; i++) expect((await call('GET', '/metered/call', user.id)).status).toBe(200);
    const refused = await call('GET', '/metered/call', user.id);
    expect(refused).toEqual({
      status: 429,
      retryAfter: '2',
      body: {
        statusCode: 429, code: 'usage_limit_exceeded', message: expect.any(String), metric: 'api_calls', limit: 5, used: 5, remaining: 0,
        resetsAt: '2026-04-01T00:00:00.000Z', retryAfterSeconds: 2, plans: ['pro', 'enterprise'],
      },
    });
    expect(await usageOf(user.id, 'api_calls')).toEqual({ metric: 'api_calls', used: 5, limit: 5, remaining: 0, unlimited: false, resetsAt: '2026-04-01T00:00:00.000Z' });
    clock = new Date('2026-04-01T00:00:00.000Z');
    expect((await call('GET', '/metered/call', user.id)).status).toBe(200);
    expect(await usageOf(user.id, 'api_calls')).toMatchObject({ used: 1, remaining: 4, resetsAt: '2026-05-01T00:00:00.000Z' });
  });

  it('gives the unit back when the handler throws', async () => {
    const user = await app.createUser();
    expect((await call('GET', '/metered/fail', user.id)).status).toBe(400);
    expect((await call('GET', '/metered/fail', user.id, { 'Idempotency-Key': 'fail-1' })).status).toBe(400);
    expect((await call('GET', '/metered/call', user.id)).status).toBe(200);
    expect(await usageOf(user.id, 'api_calls')).toMatchObject({ used: 1 });
    const record = await app.dataSource.getRepository(UsageRecordEntity).findOneByOrFail({ billableId: String(user.id), idempotencyKey: 'fail-1' });
    expect(record.status).toBe('released');
  });

  it('counts a repeated Idempotency-Key once, and counts again a key whose first use failed', async () => {
    const user = await app.createUser();
    for (let i = 0; i < 3; i++) expect((await call('GET', '/metered/call', user.id, { 'Idempotency-Key': 'same-key' })).status).toBe(200);
    expect(await usageOf(user.id, 'api_calls')).toMatchObject({ used: 1 });
    expect((await call('GET', '/metered/fail', user.id, { 'Idempotency-Key': 'retry-me' })).status).toBe(400);
    expect((await call('GET', '/metered/call', user.id, { 'Idempotency-Key': 'retry-me' })).status).toBe(200);
    expect(await usageOf(user.id, 'api_calls')).toMatchObject({ used: 2 });
    expect((await call('GET', '/metered/call', user.id, { 'Idempotency-Key': 'x'.repeat(300) })).status).toBe(400);
  });

  it('uses the subscription period and the plan limit, with a quantity from the request', async () => {
    const user = await app.createUser();
    const state = activeState('pro');
    await writeBillingState(app, user.id, state);
    clock = new Date(state.currentPeriodStart!.getTime() + 86_400_000);
    expect(await call('POST', '/metered/export?n=7', user.id)).toMatchObject({ status: 201, body: { exported: 7 } });
    const refused = await call('POST', '/metered/export?n=4', user.id);
    expect(refused).toMatchObject({ status: 429, body: { limit: 10, used: 7, metric: 'exports', resetsAt: state.currentPeriodEnd!.toISOString(), plans: ['enterprise'] } });
    expect(Number(refused.retryAfter)).toBe(Math.ceil((state.currentPeriodEnd!.getTime() - clock.getTime()) / 1000));
    expect((await call('POST', '/metered/export?n=3', user.id)).status).toBe(201);
    expect((await call('POST', '/metered/export?n=-2', user.id)).status).toBe(400);
    expect(await usageOf(user.id, 'exports')).toMatchObject({ used: 10, limit: 10, remaining: 0 });
    // Stripe renews: the sync writes the next period, and the count starts again on a new counter row.
    const next = { currentPeriodStart: state.currentPeriodEnd!, currentPeriodEnd: new Date(state.currentPeriodEnd!.getTime() + 30 * 86_400_000) };
    await writeBillingState(app, user.id, next);
    clock = new Date(next.currentPeriodStart.getTime() + 1000);
    expect((await call('POST', '/metered/export?n=2', user.id)).status).toBe(201);
    expect(await usageOf(user.id, 'exports')).toMatchObject({ used: 2, resetsAt: next.currentPeriodEnd.toISOString() });
    expect(await app.dataSource.getRepository(UsageCounterEntity).countBy({ billableId: String(user.id), metric: 'exports' })).toBe(2);
  });

  it('never blocks an unlimited (-1) plan but still counts, and refuses a metric the plan lacks (limit 0)', async () => {
    const enterprise = await app.createUser();
    await writeBillingState(app, enterprise.id, activeState('enterprise'));
    clock = new Date();
    for (let i = 0; i < 8; i++) expect((await call('GET', '/metered/call', enterprise.id)).status).toBe(200);
    expect(await usageOf(enterprise.id, 'api_calls')).toEqual({ metric: 'api_calls', used: 8, limit: -1, remaining: null, unlimited: true, resetsAt: expect.any(String) });
    const free = await app.createUser();
    const usage = app.app.get(UsageService);
    await expect(usage.consume(free.id, 'exports')).rejects.toMatchObject({ status: 429, code: 'usage_limit_exceeded', details: { limit: 0, plans: ['pro', 'enterprise'] } });
  });

  it('answers 401 without a user', async () => {
    expect((await call('GET', '/metered/call')).status).toBe(401);
    expect((await call('GET', '/payments/usage')).status).toBe(401);
  });

  it('refuses to start when a @TrackUsage metric is in no plan, naming the route and the fix', async () => {
    const other = await createTestDatabase(kind);
    try {
      await expect(startTestApp({ db: other, controllers: [MisconfiguredController] })).rejects.toThrow(
        /@TrackUsage\('not_a_metric'\) on MisconfiguredController\.call names a metric no plan has; add 'not_a_metric' to the limits of your plans \(known: api_calls, exports\)/,
      );
    } finally {
      await other.drop();
    }
  });

  it('rejects a metric no plan names when called from code', async () => {
    const user = await app.createUser();
    await expect(app.app.get(UsageService).consume(user.id, 'not_a_metric')).rejects.toMatchObject({ code: 'unknown_metric' });
  });

  it('offers check, consume and release to code without a route', async () => {
    clock = new Date();
    const user = await app.createUser();
    const usage = app.app.get(UsageService);
    expect(await usage.check(user.id, 'api_calls', 5)).toMatchObject({ allowed: true, used: 0, limit: 5 });
    const first = await usage.consume(user.id, 'api_calls', 4, 'job-1');
    expect(await usage.consume(user.id, 'api_calls', 4, 'job-1')).toMatchObject({ duplicate: true });
    expect(await usage.check(user.id, 'api_calls', 2)).toMatchObject({ allowed: false, used: 4, remaining: 1 });
    expect(await usage.release({ billableId: user.id, metric: 'api_calls', idempotencyKey: 'job-1' })).toBe(true);
    expect(await usage.release(first)).toBe(true); // already released: gives nothing back twice
    expect(await usage.check(user.id, 'api_calls', 5)).toMatchObject({ allowed: true, used: 0 });
    const held = await usage.reserve(user.id, 'api_calls', 2);
    await usage.release(held);
    expect((await usage.getUsage(user.id)).find((m) => m.metric === 'api_calls')).toMatchObject({ used: 0 });
  });
});

describe('usageTracking: false', () => {
  let db: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    app = await startTestApp({ db, controllers: [MeteredController], payments: { authGuard: AuthGuard('jwt'), usageTracking: false } });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('makes @TrackUsage a no-op', async () => {
    const user = await app.createUser();
    for (let i = 0; i < 7; i++) {
      const res = await fetch(`${app.url}/api/metered/call`, { headers: app.auth(user.id) });
      expect(res.status).toBe(200);
    }
    expect(await app.dataSource.getRepository(UsageCounterEntity).count()).toBe(0);
  });
});
