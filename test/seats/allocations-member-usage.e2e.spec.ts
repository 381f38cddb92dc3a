import { Controller, Delete, Get, Post, Req } from '@nestjs/common';
import { definePlans, TrackUsage, UsageService } from '../../lib';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { Organization, OrgMember } from '../teams/organization.entities';
import { as, MemberAuthGuard, organisation, seatOptions } from './seat-test-kit';

const plans = definePlans({
  free: { name: 'Free', limits: { api_calls: 100 }, allocations: { projects: 3, api_keys: 1 } },
  team: { name: 'Team', priceId: 'price_team_alloc', limits: { api_calls: 1000 }, allocations: { projects: -1, api_keys: 10 } },
});

/** App routes: metered calls attributed to the acting member, and projects as an allocation. */
@Controller('app')
class AppController {
  constructor(private readonly usage: UsageService) {}

  @Get('call')
  @TrackUsage('api_calls')
  call() {
    return { ok: true };
  }

  @Post('projects')
  create(@Req() req: { user: { orgId: number } }) {
    return this.usage.allocate(req.user.orgId, 'projects');
  }

  @Delete('projects')
  async remove(@Req() req: { user: { orgId: number } }) {
    return { freed: await this.usage.free(req.user.orgId, 'projects') };
  }
}

describe.each(testDatabases())('allocations and per-member usage on %s', (kind) => {
  let db: TestDatabase;
  let app: TestApp;
  const auth = new MemberAuthGuard();

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    app = await startTestApp({
      db,
      entities: [Organization, OrgMember],
      payments: seatOptions(auth, { plans }),
      controllers: [AppController],
      configure: (nest) => nest.useGlobalGuards({ canActivate: (ctx) => (ctx.switchToHttp().getRequest().url.startsWith('/api/app') ? auth.canActivate(ctx) : true) }),
    });
    auth.dataSource = app.dataSource;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('allocate holds units that never reset, refuses past the limit with 403 allocation_limit_reached, and free gives them back', async () => {
    const { org, owner } = await organisation(app);
    for (let i = 1; i <= 3; i++) expect(await as(app, owner, 'POST', '../app/projects')).toEqual({ status: 201, body: { name: 'projects', used: i, limit: 3, remaining: 3 - i, unlimited: false } });
    expect(await as(app, owner, 'POST', '../app/projects')).toEqual({
      status: 403,
      body: { statusCode: 403, code: 'allocation_limit_reached', message: expect.any(String), name: 'projects', limit: 3, used: 3, plans: ['team'] },
    });
    expect((await as(app, owner, 'DELETE', '../app/projects')).body).toEqual({ freed: true });
    expect((await as(app, owner, 'POST', '../app/projects')).status).toBe(201);
    const usage = (await as(app, owner, 'GET', 'usage')).body;
    expect(usage.allocations).toEqual([
      { name: 'projects', used: 3, limit: 3, remaining: 0, unlimited: false },
      { name: 'api_keys', used: 0, limit: 1, remaining: 1, unlimited: false },
    ]);
    // Never below zero.
    const service = app.app.get(UsageService);
    expect(await service.free(org.id, 'api_keys')).toBe(false);
  });

  it('concurrent allocations never pass the limit', async () => {
    const { owner } = await organisation(app);
    const answers = await Promise.all(Array.from({ length: 12 }, () => as(app, owner, 'POST', '../app/projects')));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 403)).toHaveLength(9);
    expect((await as(app, owner, 'GET', 'usage')).body.allocations[0]).toMatchObject({ used: 3 });
  });

  it('@TrackUsage counts against the organisation and GET /usage?by=member shows who used what', async () => {
    const { owner, admin, members } = await organisation(app, 1);
    for (const [who, times] of [[owner, 2], [admin, 1], [members[0], 3]] as const) {
      for (let i = 0; i < times; i++) expect((await as(app, who, 'GET', '../app/call')).status).toBe(200);
    }
    const usage = (await as(app, members[0], 'GET', 'usage?by=member')).body;
    expect(usage.usage.find((m: { metric: string }) => m.metric === 'api_calls')).toMatchObject({ used: 6, limit: 100 });
    expect(usage.members).toEqual(
      [
        { memberId: String(owner.id), metric: 'api_calls', used: 2 },
        { memberId: String(admin.id), metric: 'api_calls', used: 1 },
        { memberId: String(members[0].id), metric: 'api_calls', used: 3 },
      ].sort((x, y) => x.memberId.localeCompare(y.memberId)),
    );
    expect((await as(app, owner, 'GET', 'usage')).body.members).toBeUndefined();
    expect(await as(app, owner, 'GET', 'usage?by=team')).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
  });
});
