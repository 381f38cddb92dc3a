import { Controller, Get, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { Entitlements, RequiresActiveSubscription, RequiresPlan } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { call, jwtGuard } from '../billing/billing-kit';
import { buy, createProductPrices, creditRows, testProducts } from './products-kit';

@Controller('lifetime-probe')
class ProbeController {
  @UseGuards(AuthGuard('jwt'))
  @RequiresPlan('pro')
  @Get('pro')
  pro() {
    return { ok: 'pro' };
  }

  @UseGuards(AuthGuard('jwt'))
  @RequiresActiveSubscription()
  @Get('active')
  active() {
    return { ok: 'active' };
  }
}

describe.each(testDatabases())('a plan for life (grantsPlan) on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1516 });
    createProductPrices(fake);
    app = await startTestApp({ db, fake, controllers: [ProbeController], payments: { authGuard: jwtGuard, products: testProducts, now: () => new Date(fake.now() * 1000) } });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  const probe = async (user: number, path: string) => (await fetch(`${app.url}/api/lifetime-probe/${path}`, { headers: app.auth(user) })).status;

  it('gives the plan to the guards and limits once paid, keeps it, and takes it back with a full refund', async () => {
    const user = (await app.createUser()).id;
    expect(await probe(user, 'pro')).toBe(403);
    const quantity = await call(app, 'POST', 'checkout', { user, body: { product: 'lifetime', quantity: 2 } });
    expect(quantity.body).toMatchObject({ code: 'quantity_out_of_range', maxQuantity: 1 });
    const sessionId = await buy(app, fake, user, 'lifetime');
    expect((await call(app, 'GET', `checkout/status?session_id=${sessionId}`, { user })).body.purchase).toMatchObject({ product: 'lifetime', plan: 'pro' });
    expect(await probe(user, 'pro')).toBe(200);
    expect(await probe(user, 'active')).toBe(200);
    const entitlements = await app.app.get(Entitlements).forBillable(user);
    expect(entitlements).toMatchObject({ effectivePlan: 'pro', active: true, limits: { api_calls: 100, exports: 10 } });
    expect((await call(app, 'GET', 'balance', { user })).body.plan).toBe('pro');

    // A subscription to a bigger plan wins while it lasts; the plan for life stays underneath.
    const upgrade = await call(app, 'POST', 'checkout', { user, body: { plan: 'enterprise' } });
    expect(upgrade.status).toBe(200);

    await fake.waitForDeliveries();
    await fake.client().refunds.create({ payment_intent: fake.state.checkoutSessions.get(sessionId)!.payment_intent as string });
    await fake.waitForDeliveries();
    expect((await creditRows(app, db, user)).purchases[0]).toMatchObject({ status: 'refunded', plan: null });
    expect(await probe(user, 'pro')).toBe(403);
    expect((await app.app.get(Entitlements).forBillable(user)).effectivePlan).toBe('free');
  });

  it('a partial refund keeps the plan', async () => {
    const user = (await app.createUser()).id;
    const sessionId = await buy(app, fake, user, 'lifetime');
    await fake.waitForDeliveries();
    await fake.client().refunds.create({ payment_intent: fake.state.checkoutSessions.get(sessionId)!.payment_intent as string, amount: 100 });
    await fake.waitForDeliveries();
    expect((await creditRows(app, db, user)).purchases[0]).toMatchObject({ status: 'partially_refunded', plan: 'pro' });
    expect(await probe(user, 'pro')).toBe(200);
  });
});
