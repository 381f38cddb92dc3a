import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { call, customersOf, jwtGuard } from './billing-kit';

// Issue 10, item 2: a plan change during a trial must not hand out the higher plan for free.
describe.each(testDatabases())('plan change during a trial on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 21 });
    app = await startTestApp({ db, fake, payments: { authGuard: jwtGuard } });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  /** A Pro subscriber on the plan's 14-day trial, synced through the success page. */
  async function trialing(): Promise<{ id: number; sub: string }> {
    const user = await app.createUser();
    const checkout = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    const { subscriptionId } = await fake.completeCheckout(checkout.body.sessionId);
    const status = await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id });
    expect(status.body.subscription).toMatchObject({ plan: 'pro', status: 'trialing', onTrial: true });
    return { id: user.id, sub: subscriptionId! };
  }

  const invoicesOf = (sub: string) =>
    [...fake.state.invoices.values()].filter((i) => {
      const ref = i.parent?.subscription_details?.subscription;
      return (typeof ref === 'string' ? ref : ref?.id) === sub;
    });

  it('upgrading onto a plan without a trial ends the trial and charges the new price before granting it', async () => {
    const { id, sub } = await trialing();
    const up = await call(app, 'POST', 'upgrade', { user: id, body: { plan: 'enterprise' } });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ plan: 'enterprise', status: 'active', onTrial: false, features: ['basic', 'advanced_exports', 'sso'] });
    const stripeSub = fake.state.subscriptions.get(sub)!;
    expect(stripeSub).toMatchObject({ status: 'active', trial_end: fake.now() });
    expect(stripeSub.items.data[0].price.id).toBe('price_enterprise_month');
    const charged = invoicesOf(sub).filter((i) => i.status === 'paid' && i.amount_paid > 0);
    expect(charged.map((i) => i.amount_paid)).toEqual([9900]);
  });

  it('with a declined card the trial goes on at the old plan: no SSO, 402 payment_failed', async () => {
    const { id, sub } = await trialing();
    fake.setCustomerCard(customersOf(fake, id)[0], 'decline');
    const up = await call(app, 'POST', 'upgrade', { user: id, body: { plan: 'enterprise' } });
    expect(up).toMatchObject({ status: 402, body: { code: 'payment_failed', subscription: { plan: 'pro', status: 'trialing' } } });
    const stripeSub = fake.state.subscriptions.get(sub)!;
    expect(stripeSub.status).toBe('trialing');
    expect(stripeSub.items.data[0].price.id).toBe('price_pro_month');
    expect(stripeSub.pending_update).toMatchObject({ trial_end: expect.any(Number) });
    await fake.waitForDeliveries();
    const now = await call(app, 'GET', 'subscription', { user: id });
    expect(now.body).toMatchObject({ plan: 'pro', features: ['basic', 'advanced_exports'] });
    // Paying the open invoice later applies the whole change: new plan, trial over.
    const open = invoicesOf(sub).find((i) => i.status === 'open')!;
    await fake.payInvoice(open.id!, { card: 'success' });
    expect(fake.state.subscriptions.get(sub)).toMatchObject({ status: 'active', pending_update: null });
    expect(fake.state.subscriptions.get(sub)!.items.data[0].price.id).toBe('price_enterprise_month');
  });

  it('a change onto a plan that offers a trial keeps the trial, never longer than it was', async () => {
    const { id, sub } = await trialing();
    const trialEnd = fake.state.subscriptions.get(sub)!.trial_end;
    const yearly = await call(app, 'POST', 'upgrade', { user: id, body: { plan: 'pro', interval: 'year' } });
    expect(yearly).toMatchObject({ status: 200, body: { plan: 'pro', status: 'trialing', onTrial: true } });
    expect(fake.state.subscriptions.get(sub)).toMatchObject({ status: 'trialing', trial_end: trialEnd });
    expect(invoicesOf(sub).filter((i) => i.amount_paid > 0)).toEqual([]);
  });
});
