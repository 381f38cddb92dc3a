import { Controller, ExecutionContext, Get, Injectable, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { AccessGuard, AccessRefusal, Entitlements, PaymentsException, PlanKey, RequiresActiveSubscription, RequiresFeature, RequiresPlan } from '../../lib';

// testPlans' names, cast so this file compiles whatever catalogue the program registers (the sample registers its own).
const ENTERPRISE = 'enterprise';
import { createTestDatabase, testDatabases, TestDatabase } from '../support/test-databases';
import { startTestApp, TestApp } from '../support/test-app';
import { activeState, countQueries, seconds, writeBillingState } from './access-test-helpers';

const DAY = 86_400_000;

@Controller('gated')
@UseGuards(AuthGuard('jwt'))
class GatedController {
  @Get('open')
  open() {
    return { ok: 'open' };
  }

  @RequiresFeature('advanced_exports')
  @Get('exports')
  exports() {
    return { ok: 'exports' };
  }

  @RequiresPlan('pro', ENTERPRISE)
  @Get('paid')
  paid() {
    return { ok: 'paid' };
  }

  @RequiresActiveSubscription()
  @Get('active')
  active() {
    return { ok: 'active' };
  }
}

/** Decorators on the class, and the app's guard declared after (below) them on purpose. */
@RequiresPlan(ENTERPRISE)
@Controller('team')
class TeamController {
  @UseGuards(AuthGuard('jwt'))
  @Get()
  team() {
    return { ok: 'team' };
  }

  @UseGuards(AuthGuard('jwt'))
  @RequiresPlan('pro')
  @Get('override')
  override() {
    return { ok: 'override' };
  }

  /** No app guard at all: the access guard runs the module's configured auth guard itself. */
  @RequiresFeature('sso')
  @Get('sso')
  sso() {
    return { ok: 'sso' };
  }
}

describe.each(testDatabases())('access decorators over HTTP on %s', (kind) => {
  let db: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    // No queue workers: their polls would be counted with the guard's queries.
    app = await startTestApp({ db, controllers: [GatedController, TeamController], payments: { authGuard: AuthGuard('jwt'), queue: { workers: false } } });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const get = (path: string, userId?: number) =>
    fetch(`${app.url}/api${path}`, { headers: userId === undefined ? {} : app.auth(userId) }).then(async (res) => ({ status: res.status, body: await res.json() }));

  it('lets a pro subscriber through @RequiresFeature, @RequiresPlan and @RequiresActiveSubscription', async () => {
    const user = await app.createUser();
    await writeBillingState(app, user.id, activeState('pro'));
    expect(await get('/gated/exports', user.id)).toEqual({ status: 200, body: { ok: 'exports' } });
    expect(await get('/gated/paid', user.id)).toEqual({ status: 200, body: { ok: 'paid' } });
    expect(await get('/gated/active', user.id)).toEqual({ status: 200, body: { ok: 'active' } });
  });

  it('refuses a free user with stable codes and the plans that would do', async () => {
    const user = await app.createUser();
    expect(await get('/gated/open', user.id)).toEqual({ status: 200, body: { ok: 'open' } });
    expect(await get('/gated/exports', user.id)).toEqual({
      status: 403,
      body: { statusCode: 403, code: 'feature_required', message: expect.any(String), currentPlan: 'free', requiredFeatures: ['advanced_exports'], plans: ['pro', 'enterprise'] },
    });
    expect(await get('/gated/paid', user.id)).toEqual({
      status: 403,
      body: { statusCode: 403, code: 'plan_required', message: expect.any(String), currentPlan: 'free', requiredPlans: ['pro', 'enterprise'] },
    });
    expect(await get('/gated/active', user.id)).toMatchObject({ status: 403, body: { code: 'subscription_required', currentPlan: 'free', subscriptionStatus: null } });
  });

  it('answers 401 without a user, and never reaches the billing check', async () => {
    expect((await get('/gated/exports')).status).toBe(401);
    expect(await get('/team/sso')).toMatchObject({ status: 401, body: { code: 'unauthenticated' } });
  });

  it('refuses a cancelled subscription whose period has ended, and keeps one in its grace period', async () => {
    const ended = await app.createUser();
    await writeBillingState(app, ended.id, activeState('pro', { cancelAtPeriodEnd: true, cancelAt: seconds(Date.now() - 1000), currentPeriodEnd: seconds(Date.now() - 1000) }));
    expect(await get('/gated/exports', ended.id)).toMatchObject({ status: 403, body: { code: 'feature_required', currentPlan: 'free' } });
    const grace = await app.createUser();
    await writeBillingState(app, grace.id, activeState('pro', { cancelAtPeriodEnd: true, cancelAt: seconds(Date.now() + 2 * DAY), currentPeriodEnd: seconds(Date.now() + 2 * DAY) }));
    expect((await get('/gated/exports', grace.id)).status).toBe(200);
  });

  it('reads class metadata, lets a method override it, and works whichever order the auth guard is declared in', async () => {
    const pro = await app.createUser();
    await writeBillingState(app, pro.id, activeState('pro'));
    expect(await get('/team', pro.id)).toMatchObject({ status: 403, body: { code: 'plan_required', requiredPlans: ['enterprise'] } });
    expect(await get('/team/override', pro.id)).toEqual({ status: 200, body: { ok: 'override' } });
    // The class's plan requirement still holds on a method that only adds a feature.
    expect(await get('/team/sso', pro.id)).toMatchObject({ status: 403, body: { code: 'plan_required', requiredPlans: ['enterprise'] } });
    const enterprise = await app.createUser();
    await writeBillingState(app, enterprise.id, activeState('enterprise'));
    expect(await get('/team', enterprise.id)).toEqual({ status: 200, body: { ok: 'team' } });
    expect(await get('/team/sso', enterprise.id)).toEqual({ status: 200, body: { ok: 'sso' } });
  });

  it('serves a warm cache with zero database queries per guarded request', async () => {
    const user = await app.createUser();
    await writeBillingState(app, user.id, activeState('pro'));
    const queries = countQueries(app.dataSource);
    try {
      expect((await get('/gated/exports', user.id)).status).toBe(200);
      expect(queries.count).toBe(1);
      queries.reset();
      for (let i = 0; i < 20; i++) expect((await get('/gated/exports', user.id)).status).toBe(200);
      expect(queries.count).toBe(0);
    } finally {
      queries.stop();
    }
  });

  it('coalesces concurrent cold misses for one billable into one query', async () => {
    const user = await app.createUser();
    await writeBillingState(app, user.id, activeState('pro'));
    const queries = countQueries(app.dataSource);
    try {
      const results = await Promise.all(Array.from({ length: 25 }, () => get('/gated/paid', user.id)));
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(queries.count).toBe(1);
    } finally {
      queries.stop();
    }
  });

  it('lets a user who just upgraded in on the next request (the write drops the cache)', async () => {
    const user = await app.createUser();
    expect((await get('/gated/exports', user.id)).status).toBe(403); // caches "free"
    await writeBillingState(app, user.id, activeState('pro'));
    expect((await get('/gated/exports', user.id)).status).toBe(200);
    await writeBillingState(app, user.id, { subscriptionStatus: 'canceled', cancelAt: seconds(Date.now() - 1000) });
    expect((await get('/gated/exports', user.id)).status).toBe(403);
    expect(await app.app.get(Entitlements).forBillable(user.id)).toMatchObject({ effectivePlan: 'free', active: false, features: ['basic'], limits: { api_calls: 5, exports: 0 } });
  });
});

/** A guard with both hooks overridden, as an app would write it. */
@Injectable()
class OrgAccessGuard extends AccessGuard {
  protected override async getBillableId(context: ExecutionContext): Promise<string | null> {
    const request = context.switchToHttp().getRequest();
    return (request.headers['x-org-id'] as string | undefined) ?? null;
  }

  protected override throwRefusal(_context: ExecutionContext, decision: AccessRefusal): never {
    throw new PaymentsException(decision.status === 401 ? 401 : 402, decision.code, 'Upgrade your organisation.', { upgradeUrl: '/pricing' });
  }
}

@Controller('org')
class OrgController {
  @RequiresFeature('advanced_exports')
  @Get('exports')
  exports() {
    return { ok: 'org' };
  }
}

describe('an AccessGuard subclass from the accessGuard option', () => {
  let db: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    app = await startTestApp({ db, controllers: [OrgController], payments: { authGuard: AuthGuard('jwt'), accessGuard: OrgAccessGuard } });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('finds the billable and refuses through the overridden hooks', async () => {
    const paying = await app.createUser();
    const free = await app.createUser();
    await writeBillingState(app, paying.id, activeState('pro'));
    const call = (org?: number) =>
      fetch(`${app.url}/api/org/exports`, { headers: org ? { 'x-org-id': String(org) } : {} }).then(async (r) => ({ status: r.status, body: await r.json() }));
    expect(await call(paying.id)).toEqual({ status: 200, body: { ok: 'org' } });
    expect(await call(free.id)).toMatchObject({ status: 402, body: { code: 'feature_required', upgradeUrl: '/pricing', message: 'Upgrade your organisation.' } });
    expect(await call()).toMatchObject({ status: 401, body: { code: 'unauthenticated' } });
  });
});
