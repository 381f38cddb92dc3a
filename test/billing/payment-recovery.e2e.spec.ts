import { FakeStripe } from '../../lib/testing';
import { LogCapture } from '../support/log-capture';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { call, customersOf, jwtGuard, stripeCallsDuring } from './billing-kit';

const DAY = 86_400;

describe.each(testDatabases())('payment recovery links on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 153 });
    app = await startTestApp({ db, fake, logger: logs, payments: { authGuard: jwtGuard, now: () => new Date(fake.now() * 1000) } });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  async function subscribed(plan: 'pro' | 'enterprise'): Promise<number> {
    const user = await app.createUser();
    await app.dataSource.query(`UPDATE users SET trial_used = ${kind === 'sqlite' ? '1' : 'true'} WHERE id = ${user.id}`);
    const checkout = await call(app, 'POST', 'checkout', { user: user.id, body: { plan } });
    await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
    await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id });
    await fake.waitForDeliveries();
    return user.id;
  }

  const openInvoicesOf = (user: number) => {
    const [customer] = customersOf(fake, user);
    return [...fake.state.invoices.values()].filter((i) => i.customer === customer && i.status === 'open');
  };

  it('POST /portal { flow: payment_method_update } opens the portal on the payment method, and its URL is never logged', async () => {
    const user = await subscribed('pro');
    const res = await call(app, 'POST', 'portal', { user, body: { flow: 'payment_method_update' } });
    expect(res.status).toBe(200);
    const session = [...fake.state.portalSessions.values()].find((s) => s.url === res.body.url)!;
    expect(session.flow?.type).toBe('payment_method_update');
    const plain = await call(app, 'POST', 'portal', { user, body: {} });
    expect([...fake.state.portalSessions.values()].find((s) => s.url === plain.body.url)!.flow).toBeNull();
    expect(logs.lines.map((l) => l.text).join('\n')).not.toContain(res.body.url);
  });

  it.each([['subscription_cancel'], ['PAYMENT_METHOD_UPDATE'], [1]])('POST /portal with flow %p is refused with 400 before any Stripe call', async (flow) => {
    const user = await subscribed('pro');
    const calls = await stripeCallsDuring(fake, async () => {
      const res = await call(app, 'POST', 'portal', { user, body: { flow } });
      expect([res.status, res.body.code, res.body.errors?.[0]?.field]).toEqual([400, 'invalid_request', 'flow']);
    });
    expect(calls).toEqual([]);
  });

  it('an upgrade whose payment fails answers 402 with the invoice to pay; asking again answers the same link', async () => {
    const user = await subscribed('pro');
    fake.setCustomerCard(customersOf(fake, user)[0], 'decline');
    const up = await call(app, 'POST', 'upgrade', { user, body: { plan: 'enterprise' } });
    expect(up.status).toBe(402);
    const [open] = openInvoicesOf(user);
    expect(open.hosted_invoice_url).toBeTruthy();
    expect(up.body).toMatchObject({
      code: 'payment_failed',
      subscription: { plan: 'pro' },
      paymentRecovery: { hostedInvoiceUrl: open.hosted_invoice_url, portalFlow: 'payment_method_update' },
    });
    const again = await call(app, 'POST', 'upgrade', { user, body: { plan: 'enterprise' } });
    expect(again).toMatchObject({ status: 402, body: { code: 'payment_action_required', paymentRecovery: { hostedInvoiceUrl: open.hosted_invoice_url } } });
  });

  it('GET /subscription carries the open invoice to pay while past due, and nothing (no Stripe call) while active', async () => {
    const user = await subscribed('pro');
    const calls = await stripeCallsDuring(fake, async () => {
      const active = await call(app, 'GET', 'subscription', { user });
      expect(active.body.active).toBe(true);
      expect(active.body).not.toHaveProperty('paymentRecovery');
    });
    expect(calls).toEqual([]);

    fake.setCustomerCard(customersOf(fake, user)[0], 'decline');
    await fake.advanceTime(31 * DAY);
    await fake.waitForDeliveries();
    const [open] = openInvoicesOf(user);
    const pastDue = await call(app, 'GET', 'subscription', { user });
    expect(pastDue.body).toMatchObject({ status: 'past_due', paymentRecovery: { hostedInvoiceUrl: open.hosted_invoice_url, portalFlow: 'payment_method_update' } });

    // Paid through the link: the subscription is active again and the link is gone.
    await fake.payInvoice(open.id!, { card: 'success' });
    await fake.waitForDeliveries();
    const recovered = await call(app, 'GET', 'subscription', { user });
    expect(recovered.body.status).toBe('active');
    expect(recovered.body).not.toHaveProperty('paymentRecovery');
  });
});
