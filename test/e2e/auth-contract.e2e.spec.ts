import { Controller, Get, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { RequiresActiveSubscription, TrackUsage } from '../../lib';
import { LogCapture } from '../support/log-capture';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { TEST_JWT_SECRET } from '../support/test-jwt.strategy';

/** The JwtStrategy as the Nest documentation writes it: `req.user = { userId, username }`, no `id`/`sub`. */
@Injectable()
class DocsJwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: TEST_JWT_SECRET, ignoreExpiration: false });
  }

  validate(payload: { sub: number; username?: string }) {
    return { userId: payload.sub, username: payload.username };
  }
}

@Controller('members')
class MembersController {
  @Get()
  @RequiresActiveSubscription()
  list() {
    return [];
  }
}

const NO_ID = 'You are signed in, but getBillableId found no billable id in req.user; return an id (or sub) from your auth strategy, or set getBillableId in the PaymentsModule options.';
const WARNING =
  "getBillableId returned no id for a signed-in request; req.user has the keys [userId, username]. The default reads req.user.id, then req.user.sub: return one of them from your auth strategy's validate(), or set getBillableId in the PaymentsModule options.";

describeEachDb(['sqlite', 'postgres'])('auth contract on %s', (kind) => {
  let db: TestDatabase;
  let t: TestApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await startTestApp({ db, jwtStrategy: false, providers: [DocsJwtStrategy], controllers: [MembersController], logger: logs });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${t.url}/api/${path}`, { headers });
    return { status: res.status, body: (await res.json()) as any };
  };

  it("a valid token whose req.user has no id: 401 that names getBillableId, and one warning naming req.user's keys (not values)", async () => {
    const user = await t.createUser('docs-strategy@example.test');
    const first = await get('payments/subscription', t.auth(user.id));
    expect(first).toEqual({ status: 401, body: { statusCode: 401, code: 'unauthenticated', message: NO_ID } });
    await get('payments/subscription', t.auth(user.id));
    expect(await get('members', t.auth(user.id))).toEqual({ status: 401, body: { statusCode: 401, code: 'unauthenticated', message: NO_ID } });
    // One line per shape of req.user, not one per request; no values (the id) in it.
    expect(logs.messages('warn').filter((m) => m.includes('getBillableId'))).toEqual([WARNING]);
    expect(logs.lines.some((line) => line.text.includes(String(user.id)) && line.text.includes('getBillableId'))).toBe(false);
  });

  it('a request without a token keeps the plain 401 and logs nothing about getBillableId', async () => {
    const before = logs.lines.length;
    const res = await get('payments/subscription');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401, code: 'unauthenticated' });
    expect(res.body.message).not.toContain('getBillableId');
    expect(logs.lines.slice(before).filter((line) => line.text.includes('getBillableId'))).toEqual([]);
  });

  it('getBillableId set to fit the strategy makes the same token work', async () => {
    const other = await startTestApp({
      db,
      jwtStrategy: false,
      providers: [DocsJwtStrategy],
      payments: { getBillableId: (req) => req.user?.userId },
      logger: new LogCapture(),
    });
    try {
      const user = await other.createUser();
      const res = await fetch(`${other.url}/api/payments/subscription`, { headers: other.auth(user.id) });
      expect(res.status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

@Controller('metered')
class UnguardedMeteredController {
  // No @UseGuards(AuthGuard('jwt')) here: the app forgot its guard, as the access decorators allow.
  @TrackUsage('api_calls')
  @Get()
  call() {
    return { ok: true };
  }
}

describeEachDb(['sqlite', 'postgres'])('@TrackUsage without the app guard on %s', (kind) => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await startTestApp({ db, controllers: [UnguardedMeteredController], logger: new LogCapture() });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it("runs the module's authGuard itself: a valid token is counted, no token is 401", async () => {
    const user = await t.createUser();
    const ok = await fetch(`${t.url}/api/metered`, { headers: t.auth(user.id) });
    expect([ok.status, await ok.json()]).toEqual([200, { ok: true }]);
    const usage = await fetch(`${t.url}/api/payments/usage`, { headers: t.auth(user.id) }).then((r) => r.json() as Promise<any>);
    expect(usage.usage.find((m: { metric: string }) => m.metric === 'api_calls')).toMatchObject({ used: 1 });
    const anonymous = await fetch(`${t.url}/api/metered`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ statusCode: 401, code: 'unauthenticated' });
    const forged = await fetch(`${t.url}/api/metered`, { headers: { Authorization: 'Bearer not-a-token' } });
    expect(forged.status).toBe(401);
  });
});
