import { Controller, Get } from '@nestjs/common';
import passport from 'passport';
import { RequiresFeature, RequiresPlan } from '../../lib';
import { LogCapture } from '../support/log-capture';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';

@Controller('reports')
class UnknownPlanController {
  @Get()
  @RequiresPlan('pro', 'platinum' as never)
  list() {
    return [];
  }
}

@Controller('teleport')
@RequiresFeature('teleport' as never)
class UnknownFeatureController {
  @Get()
  go() {
    return { ok: true };
  }
}

@Controller('exports')
class KnownRequirementsController {
  @Get()
  @RequiresPlan('pro', 'enterprise')
  @RequiresFeature('advanced_exports')
  list() {
    return [];
  }
}

const post = (url: string, path: string, headers: Record<string, string> = {}, body: unknown = {}) =>
  fetch(`${url}/api/payments/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }).then(async (res) => ({
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
  }));

describeEachDb(['sqlite', 'postgres'])('start-up checks on %s', (kind) => {
  let db: TestDatabase;
  let t: TestApp | undefined;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await db?.drop();
  });

  it("refuses to start with the default authGuard and no passport 'jwt' strategy", async () => {
    // passport is one process-wide registry: forget a strategy an earlier app of this file registered.
    passport.unuse('jwt');
    await expect(startTestApp({ db, jwtStrategy: false, logger: new LogCapture() })).rejects.toThrow(
      "nestjs-headless-payments: the default authGuard is AuthGuard('jwt'), but no passport strategy named 'jwt' is registered; add your JwtStrategy (extends PassportStrategy(Strategy)) to the providers of a module, or set authGuard in the PaymentsModule options (null for none).",
    );
  });

  it("starts without a 'jwt' strategy when authGuard is set (null: none)", async () => {
    passport.unuse('jwt');
    t = await startTestApp({ db, jwtStrategy: false, payments: { authGuard: null }, logger: new LogCapture() });
    expect((await fetch(`${t.url}/api/payments/plans`)).status).toBe(200);
  });

  it('refuses to start when @RequiresPlan names a plan the catalogue lacks, naming the route', async () => {
    await expect(startTestApp({ db, controllers: [UnknownPlanController], logger: new LogCapture() })).rejects.toThrow(
      "nestjs-headless-payments: @RequiresPlan('platinum') on UnknownPlanController.list names a plan that is not in your plans; use one of: free, pro, enterprise.",
    );
  });

  it('refuses to start when @RequiresFeature names a feature no plan grants, naming the controller', async () => {
    await expect(startTestApp({ db, controllers: [UnknownFeatureController], logger: new LogCapture() })).rejects.toThrow(
      "nestjs-headless-payments: @RequiresFeature('teleport') on UnknownFeatureController names a feature no plan grants; add 'teleport' to the features of a plan (known: basic, advanced_exports, sso).",
    );
  });

  it('starts when every required plan and feature exists', async () => {
    t = await startTestApp({ db, controllers: [KnownRequirementsController], logger: new LogCapture() });
    const user = await t.createUser();
    const res = await fetch(`${t.url}/api/exports`, { headers: t.auth(user.id) });
    expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([403, 'plan_required']);
  });

  it('without webhookSecret: boots with a warning, and each refused delivery logs an error', async () => {
    const logs = new LogCapture();
    t = await startTestApp({ db, payments: { webhookSecret: undefined }, logger: logs });
    expect(logs.messages('warn')).toContain(
      'webhookSecret is not set: every Stripe webhook delivery will be refused and billing state will not follow Stripe; set webhookSecret (STRIPE_WEBHOOK_SECRET, whsec_...).',
    );
    const res = await fetch(`${t.url}/api/payments/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ statusCode: 500, code: 'webhook_not_configured', message: 'Webhook secret not configured; set webhookSecret (STRIPE_WEBHOOK_SECRET).' });
    expect(logs.messages('error')).toContain('Webhook refused: webhookSecret is not configured; set webhookSecret (STRIPE_WEBHOOK_SECRET) in the PaymentsModule options.');
  });

  it('without urls: boots with a warning; checkout and portal answer 503 billing_not_configured', async () => {
    const logs = new LogCapture();
    t = await startTestApp({ db, payments: { urls: undefined }, logger: logs });
    expect(logs.messages('warn')).toContain(
      'urls is not set: POST checkout and portal answer 503 billing_not_configured; set urls { success, cancel, portalReturn } in the PaymentsModule options.',
    );
    const user = await t.createUser();
    expect(await post(t.url, 'checkout', t.auth(user.id), { plan: 'pro' })).toEqual({
      status: 503,
      body: { statusCode: 503, code: 'billing_not_configured', message: 'Billing is not configured: set urls.success in the PaymentsModule options.' },
    });
    expect(await post(t.url, 'portal', t.auth(user.id))).toEqual({
      status: 503,
      body: { statusCode: 503, code: 'billing_not_configured', message: 'Billing is not configured: set urls.portalReturn in the PaymentsModule options.' },
    });
    expect(logs.messages('warn').filter((m) => m.startsWith('webhookSecret'))).toEqual([]);
  });
});
