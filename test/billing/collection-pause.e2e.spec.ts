import { definePlans } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { testPlans } from '../support/test-plans';
import { call, customersOf, jwtGuard, stripeCallsDuring } from './billing-kit';

// Issue 15, payment recovery: pause and resume payment collection where the plan allows it.
const plans = definePlans({
  free: testPlans.free,
  pro: { name: 'Pro', prices: { month: 'price_pro_month', year: 'price_pro_year' }, features: ['basic', 'advanced_exports'], limits: { api_calls: 1000 }, pausable: true },
  enterprise: testPlans.enterprise,
});

describe.each(testDatabases(['sqlite', 'postgres']))('pausing payment collection on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 153 });
    app = await startTestApp({ db, fake, payments: { authGuard: jwtGuard, plans } });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  async function subscribed(plan: string): Promise<number> {
    const user = await app.createUser();
    const checkout = await call(app, 'POST', 'checkout', { user: user.id, body: { plan } });
    await fake.completeCheckout(checkout.body.sessionId);
    expect((await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id })).body.subscription).toMatchObject({ plan, status: 'active' });
    return user.id;
  }
  const subOf = (user: number) => [...fake.state.subscriptions.values()].find((s) => s.customer === customersOf(fake, user)[0])!;

  it('pauses a pausable plan: no access and no charge while paused, then unpause gives the plan back', async () => {
    const user = await subscribed('pro');
    const paused = await call(app, 'POST', 'pause', { user });
    expect(paused).toMatchObject({ status: 200, body: { status: 'paused', active: false, plan: 'free', features: ['basic'] } });
    expect(subOf(user).pause_collection).toEqual({ behavior: 'void', resumes_at: null });
    expect((await call(app, 'GET', 'subscription', { user })).body).toMatchObject({ status: 'paused', plan: 'free' });

    // Pausing again answers the state, with no Stripe call (webhooks of the pause settled first).
    await fake.waitForDeliveries();
    const again = await stripeCallsDuring(fake, async () => expect((await call(app, 'POST', 'pause', { user })).body.status).toBe('paused'));
    expect(again).toEqual([]);

    // The renewal while paused is voided, not charged; the webhooks keep the state paused.
    const sub = subOf(user);
    await fake.advanceTime(sub.items.data[0].current_period_end - fake.now() + 60);
    await fake.waitForDeliveries();
    const invoices = [...fake.state.invoices.values()].filter((i) => i.customer === sub.customer);
    expect(invoices.map((i) => i.status)).toEqual(['paid', 'void']);
    expect((await call(app, 'GET', 'subscription', { user })).body).toMatchObject({ status: 'paused', active: false });

    const resumed = await call(app, 'POST', 'unpause', { user });
    expect(resumed).toMatchObject({ status: 200, body: { status: 'active', active: true, plan: 'pro' } });
    expect(subOf(user).pause_collection).toBeNull();
    expect(await call(app, 'POST', 'unpause', { user })).toMatchObject({ status: 400, body: { code: 'not_paused' } });
  });

  it('refuses a plan without pausable (403), a billable without a subscription and a cancelling one (400), before any Stripe call', async () => {
    const enterprise = await subscribed('enterprise');
    const none = (await app.createUser()).id;
    const ending = await subscribed('pro');
    expect((await call(app, 'POST', 'cancel', { user: ending, body: {} })).status).toBe(200);
    await fake.waitForDeliveries();
    const calls = await stripeCallsDuring(fake, async () => {
      expect(await call(app, 'POST', 'pause', { user: enterprise })).toMatchObject({ status: 403, body: { code: 'pause_not_allowed' } });
      expect(await call(app, 'POST', 'pause', { user: none })).toMatchObject({ status: 400, body: { code: 'no_subscription' } });
      expect(await call(app, 'POST', 'pause', { user: ending })).toMatchObject({ status: 400, body: { code: 'cannot_pause' } });
      expect(await call(app, 'POST', 'unpause', { user: enterprise })).toMatchObject({ status: 400, body: { code: 'not_paused' } });
    });
    expect(calls).toEqual([]);
  });
});
