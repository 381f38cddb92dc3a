import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { call, customersOf, jwtGuard, stripeCallsDuring } from './billing-kit';

describe.each(testDatabases())('POST /upgrade with preview: true on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 152 });
    app = await startTestApp({ db, fake, payments: { authGuard: jwtGuard, now: () => new Date(fake.now() * 1000) } });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  async function subscribed(plan: 'pro' | 'enterprise', options: { trial?: boolean } = {}): Promise<number> {
    const user = await app.createUser();
    if (!options.trial) await app.dataSource.query(`UPDATE users SET trial_used = ${kind === 'sqlite' ? '1' : 'true'} WHERE id = ${user.id}`);
    const checkout = await call(app, 'POST', 'checkout', { user: user.id, body: { plan } });
    await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
    await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id });
    await fake.waitForDeliveries();
    return user.id;
  }

  const invoicesOf = (user: number) => {
    const [customer] = customersOf(fake, user);
    return [...fake.state.invoices.values()].filter((i) => i.customer === customer);
  };

  it('an upgrade preview shows the proration the change then charges, and changes nothing', async () => {
    await fake.advanceTime(10 * 86_400);
    const user = await subscribed('pro');
    await fake.advanceTime(10 * 86_400);
    let preview: any;
    const calls = await stripeCallsDuring(fake, async () => {
      preview = await call(app, 'POST', 'upgrade', { user, body: { plan: 'enterprise', preview: true } });
    });
    expect(preview.status).toBe(200);
    expect(Object.keys(preview.body)).toEqual(['preview']);
    expect(preview.body.preview).toMatchObject({ currency: 'usd', immediate: true });
    expect(preview.body.preview.lines).toHaveLength(2);
    expect(preview.body.preview.lines.every((l: { proration: boolean }) => l.proration)).toBe(true);
    expect(preview.body.preview.amountDue).toBeGreaterThan(0);
    // Reads and the preview only: no subscription write, no schedule touched, no invoice made.
    expect(calls.map((c) => `${c.method} ${c.path.replace(/\/(sub|in)_\w+/, '/:id')}`)).toEqual(['GET /v1/subscriptions/:id', 'POST /v1/invoices/create_preview']);
    expect(invoicesOf(user)).toHaveLength(1);
    expect((await call(app, 'GET', 'subscription', { user })).body.plan).toBe('pro');

    // The change made at the same moment charges exactly what was previewed.
    expect((await call(app, 'POST', 'upgrade', { user, body: { plan: 'enterprise' } })).body.plan).toBe('enterprise');
    const charged = invoicesOf(user).at(-1)!;
    expect(charged.amount_paid).toBe(preview.body.preview.amountDue);
    expect(charged.lines.data.map((l) => l.amount)).toEqual(preview.body.preview.lines.map((l: { amount: number }) => l.amount));
  });

  it('a downgrade at the period end previews the next invoice at the new price, not a charge now', async () => {
    const user = await subscribed('enterprise');
    const res = await call(app, 'POST', 'upgrade', { user, body: { plan: 'pro', preview: true } });
    expect(res.status).toBe(200);
    expect(res.body.preview).toMatchObject({ immediate: false, amountDue: 1500, currency: 'usd' });
    expect(res.body.preview.lines).toEqual([expect.objectContaining({ amount: 1500, proration: false })]);
    // No schedule was created for the preview.
    expect([...fake.state.subscriptionSchedules.values()].filter((s) => customersOf(fake, user).includes(s.customer as string))).toEqual([]);
  });

  it('a preview that ends a trial shows the new plan\'s first period, charged with the change', async () => {
    const user = await subscribed('pro', { trial: true });
    expect((await call(app, 'GET', 'subscription', { user })).body.onTrial).toBe(true);
    const res = await call(app, 'POST', 'upgrade', { user, body: { plan: 'enterprise', preview: true } });
    expect(res.status).toBe(200);
    expect(res.body.preview.immediate).toBe(true);
    expect(res.body.preview.lines).toEqual([expect.objectContaining({ proration: false })]);
    expect(res.body.preview.amountDue).toBe(res.body.preview.lines[0].amount);
    expect(res.body.preview.amountDue).toBeGreaterThan(0);
    expect((await call(app, 'GET', 'subscription', { user })).body).toMatchObject({ plan: 'pro', onTrial: true });
  });

  it('a preview is refused like the change itself: no subscription, same plan, unknown plan, a non-boolean preview', async () => {
    const free = await app.createUser();
    expect((await call(app, 'POST', 'upgrade', { user: free.id, body: { plan: 'enterprise', preview: true } })).body.code).toBe('no_subscription');
    const user = await subscribed('pro');
    const calls = await stripeCallsDuring(fake, async () => {
      expect((await call(app, 'POST', 'upgrade', { user, body: { plan: 'nope', preview: true } })).body.code).toBe('invalid_plan');
      const bad = await call(app, 'POST', 'upgrade', { user, body: { plan: 'enterprise', preview: 'yes' } });
      expect([bad.status, bad.body.code]).toEqual([400, 'invalid_request']);
    });
    expect(calls).toEqual([]);
    expect((await call(app, 'POST', 'upgrade', { user, body: { plan: 'pro', preview: true } })).body.code).toBe('already_on_plan');
  });
});
