import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { call, customersOf, jwtGuard, openSessionsOf, stripeCallsDuring } from './billing-kit';

describe.each(testDatabases())('billing lifecycle on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;
  let flexible: TestApp;
  let flexibleDb: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 5 });
    app = await startTestApp({ db, fake, payments: { authGuard: jwtGuard } });
    // A second app with the non-default policies (its own database: SQLite ':memory:' cannot be shared).
    flexibleDb = await createTestDatabase(kind);
    flexible = await startTestApp({ db: flexibleDb, fake, registerWithFake: false, payments: { authGuard: jwtGuard, allowImmediateCancel: true, downgrade: 'immediately' } });
  });
  afterAll(async () => {
    await flexible?.close();
    await flexibleDb?.drop();
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  /** A user who went through checkout and the success page (webhooks may or may not have landed). */
  async function subscribed(plan: string, on: TestApp = app): Promise<{ id: number; sub: string }> {
    const user = await on.createUser();
    // No trial, so the subscription is paid and active.
    await on.dataSource.query(`UPDATE users SET trial_used = ${kind === 'postgres' ? 'true' : '1'} WHERE id = ${user.id}`);
    const checkout = await call(on, 'POST', 'checkout', { user: user.id, body: { plan } });
    const { subscriptionId } = await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
    const status = await call(on, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id });
    expect(status.body.subscription).toMatchObject({ plan, active: true });
    return { id: user.id, sub: subscriptionId! };
  }

  it('the success page syncs at once, before any webhook lands, and the late webhook adds no second state', async () => {
    fake.pauseDeliveries();
    const user = await app.createUser();
    const checkout = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    const pending = await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id });
    expect(pending.body).toMatchObject({ session: { id: checkout.body.sessionId, status: 'open' }, subscription: { plan: 'free', active: false } });
    const { subscriptionId } = await fake.completeCheckout(checkout.body.sessionId);
    let done!: Awaited<ReturnType<typeof call>>;
    const calls = await stripeCallsDuring(fake, async () => {
      done = await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id });
    });
    // One read serves both the ownership check and the sync.
    expect(calls.map((c) => `${c.method} ${c.path.split('?')[0]}`)).toEqual([`GET /v1/checkout/sessions/${checkout.body.sessionId}`]);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ session: { status: 'complete', paymentStatus: 'no_payment_required' }, subscription: { plan: 'pro', status: 'trialing', active: true, onTrial: true } });
    fake.resumeDeliveries();
    await fake.waitForDeliveries();
    const rows = await app.dataSource.query(`SELECT id FROM users WHERE stripe_subscription_id = '${subscriptionId}'`);
    expect(rows).toHaveLength(1);
    expect((await call(app, 'GET', 'subscription', { user: user.id })).body).toMatchObject({ plan: 'pro', status: 'trialing', features: ['basic', 'advanced_exports'] });
  });

  it('the status route answers 404 for another user\'s session or an unknown one, and 400 for a malformed id', async () => {
    const owner = await app.createUser();
    const other = await app.createUser();
    const checkout = await call(app, 'POST', 'checkout', { user: owner.id, body: { plan: 'pro' } });
    const foreign = await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: other.id });
    expect(foreign).toMatchObject({ status: 404, body: { code: 'checkout_not_found' } });
    const unknown = await call(app, 'GET', 'checkout/status?session_id=cs_test_doesnotexist', { user: other.id });
    expect(unknown).toMatchObject({ status: 404, body: { code: 'checkout_not_found' } });
    for (const bad of ['', 'sub_123', 'cs_../../v1/customers', 'cs_x&limit=100']) {
      const res = await call(app, 'GET', `checkout/status?session_id=${encodeURIComponent(bad)}`, { user: other.id });
      expect(res).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    }
    expect((await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`)).status).toBe(401);
    const otherRow = await app.dataSource.query(`SELECT stripe_customer_id FROM users WHERE id = ${other.id}`);
    expect(otherRow[0].stripe_customer_id).toBeNull();
  });

  it('a subscribed billable gets 409 already_subscribed with where to go instead', async () => {
    const { id } = await subscribed('pro');
    const res = await call(app, 'POST', 'checkout', { user: id, body: { plan: 'enterprise' } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'already_subscribed', upgradeUrl: '/api/payments/upgrade', portalUrl: '/api/payments/portal' });
    expect(openSessionsOf(fake, id)).toEqual([]);
  });

  it('a paid session whose webhook and redirect never arrived still blocks a second checkout (no second subscription)', async () => {
    fake.pauseDeliveries();
    const user = await app.createUser();
    const first = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    await fake.completeCheckout(first.body.sessionId);
    const second = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'enterprise' } });
    expect(second).toMatchObject({ status: 409, body: { code: 'already_subscribed' } });
    // The refusal also caught the local state up from Stripe.
    expect((await call(app, 'GET', 'subscription', { user: user.id })).body).toMatchObject({ plan: 'pro', active: true });
    const live = [...fake.state.subscriptions.values()].filter((s) => s.metadata?.billable_id === String(user.id) && s.status !== 'canceled');
    expect(live).toHaveLength(1);
    fake.resumeDeliveries();
    await fake.waitForDeliveries();
  });

  it('POST /portal answers a portal URL for the caller\'s customer and refuses hostile return URLs without calling Stripe', async () => {
    const { id } = await subscribed('pro');
    const res = await call(app, 'POST', 'portal', { user: id, body: {} });
    expect(res).toMatchObject({ status: 200, body: { url: expect.stringContaining('/portal/bps_') } });
    const session = [...fake.state.portalSessions.values()].at(-1)!;
    expect(session.return_url).toBe('http://app.test/billing');
    await fake.waitForDeliveries();
    for (const returnUrl of ['//evil.com', 'https://app.test.evil.com', 'javascript:alert(1)', '/\\evil.com']) {
      let answer!: Awaited<ReturnType<typeof call>>;
      const calls = await stripeCallsDuring(fake, async () => (answer = await call(app, 'POST', 'portal', { user: id, body: { returnUrl } })));
      expect(answer).toMatchObject({ status: 400, body: { code: 'invalid_redirect' } });
      expect(calls).toEqual([]);
    }
    const stranger = await app.createUser();
    expect(await call(app, 'POST', 'portal', { user: stranger.id, body: {} })).toMatchObject({ status: 400, body: { code: 'no_customer' } });
  });

  it('cancel at period end, cancel twice, resume, resume outside grace', async () => {
    const { id, sub } = await subscribed('pro');
    const cancelled = await call(app, 'POST', 'cancel', { user: id, body: {} });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ plan: 'pro', active: true, onGracePeriod: true, cancelAtPeriodEnd: true });
    expect(fake.state.subscriptions.get(sub)!.cancel_at_period_end).toBe(true);
    await fake.waitForDeliveries();
    let again!: Awaited<ReturnType<typeof call>>;
    const calls = await stripeCallsDuring(fake, async () => (again = await call(app, 'POST', 'cancel', { user: id })));
    expect(again).toMatchObject({ status: 200, body: { onGracePeriod: true, cancelAtPeriodEnd: true } });
    expect(calls.filter((c) => c.method !== 'GET')).toEqual([]);
    const resumed = await call(app, 'POST', 'resume', { user: id });
    expect(resumed.body).toMatchObject({ plan: 'pro', active: true, onGracePeriod: false, cancelAtPeriodEnd: false, cancelAt: null });
    expect(fake.state.subscriptions.get(sub)!.cancel_at_period_end).toBe(false);
    expect(await call(app, 'POST', 'resume', { user: id })).toMatchObject({ status: 400, body: { code: 'not_in_grace_period' } });
    // A second cancel after resume really cancels again (the idempotency key follows the state).
    expect((await call(app, 'POST', 'cancel', { user: id, body: {} })).body).toMatchObject({ cancelAtPeriodEnd: true });
    expect(fake.state.subscriptions.get(sub)!.cancel_at_period_end).toBe(true);
  });

  it('immediate cancel is refused unless enabled, and works where it is', async () => {
    const { id, sub } = await subscribed('pro', flexible);
    const refused = await subscribed('pro');
    expect(await call(app, 'POST', 'cancel', { user: refused.id, body: { immediately: true } })).toMatchObject({ status: 403, body: { code: 'immediate_cancel_disabled' } });
    expect(await call(app, 'POST', 'cancel', { user: refused.id, body: { immediately: 'yes' } })).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    const now = await call(flexible, 'POST', 'cancel', { user: id, body: { immediately: true } });
    expect(now.body).toMatchObject({ plan: 'free', status: 'canceled', active: false });
    expect(fake.state.subscriptions.get(sub)!.status).toBe('canceled');
    expect(await call(flexible, 'POST', 'cancel', { user: id, body: { immediately: true } })).toMatchObject({ status: 200, body: { status: 'canceled' } });
    const never = await app.createUser();
    expect(await call(app, 'POST', 'cancel', { user: never.id, body: {} })).toMatchObject({ status: 400, body: { code: 'no_subscription' } });
  });

  it('upgrade prorates now and grants the plan once paid; same plan and free are refused', async () => {
    const { id, sub } = await subscribed('pro');
    expect(await call(app, 'POST', 'upgrade', { user: id, body: { plan: 'pro' } })).toMatchObject({ status: 400, body: { code: 'already_on_plan' } });
    expect(await call(app, 'POST', 'upgrade', { user: id, body: { plan: 'free' } })).toMatchObject({ status: 400, body: { code: 'invalid_plan' } });
    expect(await call(app, 'POST', 'upgrade', { user: id, body: { plan: 'price_enterprise_month' } })).toMatchObject({ status: 400, body: { code: 'invalid_plan' } });
    const up = await call(app, 'POST', 'upgrade', { user: id, body: { plan: 'enterprise' } });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ plan: 'enterprise', active: true, features: ['basic', 'advanced_exports', 'sso'], scheduledChange: null });
    expect(fake.state.subscriptions.get(sub)!.items.data[0].price.id).toBe('price_enterprise_month');
    const paid = [...fake.state.invoices.values()].filter((i) => refOf(i.parent?.subscription_details?.subscription) === sub && i.billing_reason === 'subscription_update');
    expect(paid.map((i) => i.status)).toEqual(['paid']);
    const stranger = await app.createUser();
    expect(await call(app, 'POST', 'upgrade', { user: stranger.id, body: { plan: 'enterprise' } })).toMatchObject({ status: 400, body: { code: 'no_subscription' } });
  });

  it('an upgrade whose payment fails leaves the old plan in place', async () => {
    const { id, sub } = await subscribed('pro');
    const customer = customersOf(fake, id)[0];
    fake.setCustomerCard(customer, 'decline');
    const up = await call(app, 'POST', 'upgrade', { user: id, body: { plan: 'enterprise' } });
    expect(up).toMatchObject({ status: 402, body: { code: 'payment_failed', subscription: { plan: 'pro', active: true } } });
    expect(fake.state.subscriptions.get(sub)!.items.data[0].price.id).toBe('price_pro_month');
    await fake.waitForDeliveries();
    expect((await call(app, 'GET', 'subscription', { user: id })).body).toMatchObject({ plan: 'pro', features: ['basic', 'advanced_exports'] });
  });

  it('downgrade with downgrade: immediately switches the price at Stripe with prorations and no charge', async () => {
    const { id, sub } = await subscribed('enterprise', flexible);
    const down = await call(flexible, 'POST', 'upgrade', { user: id, body: { plan: 'pro', interval: 'month' } });
    expect(down).toMatchObject({ status: 200, body: { plan: 'pro', scheduledChange: null } });
    expect(fake.state.subscriptions.get(sub)!.items.data[0].price.id).toBe('price_pro_month');
  });
});

function refOf(value: unknown): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : (value as { id: string }).id;
}
