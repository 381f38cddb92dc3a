import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { call, customersOf, jwtGuard, stripeCallsDuring } from './billing-kit';

describe.each(testDatabases())('invoice routes on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 15 });
    app = await startTestApp({ db, fake, payments: { authGuard: jwtGuard, now: () => new Date(fake.now() * 1000) } });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  /** A user who paid for `plan` at once (no trial), webhooks settled. */
  async function subscribed(plan: 'pro' | 'enterprise'): Promise<number> {
    const user = await app.createUser();
    await app.dataSource.query(`UPDATE users SET trial_used = ${kind === 'sqlite' ? '1' : 'true'} WHERE id = ${user.id}`);
    const checkout = await call(app, 'POST', 'checkout', { user: user.id, body: { plan } });
    expect(checkout.status).toBe(200);
    await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
    expect((await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id })).body.subscription).toMatchObject({ plan, active: true });
    await fake.waitForDeliveries();
    return user.id;
  }

  it('GET /invoices lists the caller\'s paid invoices with numbers, amounts, period and links, newest first, in pages', async () => {
    const user = await subscribed('pro');
    expect((await call(app, 'POST', 'upgrade', { user, body: { plan: 'enterprise' } })).status).toBe(200);
    await fake.waitForDeliveries();
    const [customer] = customersOf(fake, user);
    const atStripe = [...fake.state.invoices.values()].filter((i) => i.customer === customer).reverse();
    expect(atStripe.length).toBe(2);

    const all = await call(app, 'GET', 'invoices', { user });
    expect(all.status).toBe(200);
    expect(all.body.hasMore).toBe(false);
    expect(all.body.data.map((i: { id: string }) => i.id)).toEqual(atStripe.map((i) => i.id));
    const first = atStripe[1];
    expect(all.body.data[1]).toEqual({
      id: first.id, number: first.number, status: 'paid', total: 1500, subtotal: 1500, discount: 0, totalExcludingTax: 1500, tax: 0, amountPaid: 1500, amountDue: 1500, currency: 'usd',
      periodStart: first.period_start, periodEnd: first.period_end, created: first.created,
      hostedInvoiceUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/invoice\/in_/), invoicePdf: expect.stringMatching(/\/invoice\/in_\w+\/pdf$/),
    });
    expect(all.body.data[1].number).toMatch(/-0001$/);
    // Only the documented fields: no customer address, e-mail or payment details.
    expect(JSON.stringify(all.body)).not.toContain(customer);

    const page1 = await call(app, 'GET', 'invoices?limit=1', { user });
    expect(page1.body).toEqual({ data: [all.body.data[0]], hasMore: true });
    const page2 = await call(app, 'GET', `invoices?limit=1&starting_after=${page1.body.data[0].id}`, { user });
    expect(page2.body).toEqual({ data: [all.body.data[1]], hasMore: false });

    const one = await call(app, 'GET', `invoices/${first.id}`, { user });
    expect(one).toEqual({ status: 200, body: all.body.data[1] });
  });

  it('another billable\'s invoice id answers exactly like a missing one: 404 invoice_not_found', async () => {
    const owner = await subscribed('pro');
    const other = await subscribed('pro');
    const [ownerCustomer] = customersOf(fake, owner);
    const ownerInvoice = [...fake.state.invoices.values()].find((i) => i.customer === ownerCustomer)!;
    const foreign = await call(app, 'GET', `invoices/${ownerInvoice.id}`, { user: other });
    const missing = await call(app, 'GET', 'invoices/in_doesnotexist123', { user: other });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({ statusCode: 404, code: 'invoice_not_found', message: 'There is no invoice with this id.' });
    expect(missing.body).toEqual(foreign.body);
    // A billable without a customer asks Stripe nothing.
    const newcomer = await app.createUser();
    const calls = await stripeCallsDuring(fake, async () => {
      expect((await call(app, 'GET', `invoices/${ownerInvoice.id}`, { user: newcomer.id })).body.code).toBe('invoice_not_found');
    });
    expect(calls).toEqual([]);
  });

  it('a billable that never checked out gets an empty list and no upcoming invoice, without a Stripe call', async () => {
    const user = await app.createUser();
    const calls = await stripeCallsDuring(fake, async () => {
      expect(await call(app, 'GET', 'invoices', { user: user.id })).toEqual({ status: 200, body: { data: [], hasMore: false } });
      const upcoming = await call(app, 'GET', 'invoices/upcoming', { user: user.id });
      expect(upcoming.status).toBe(404);
      expect(upcoming.body.code).toBe('no_upcoming_invoice');
    });
    expect(calls).toEqual([]);
  });

  it('GET /invoices/upcoming previews the next renewal, and answers 404 once the subscription ends at the period end', async () => {
    const user = await subscribed('pro');
    const upcoming = await call(app, 'GET', 'invoices/upcoming', { user });
    expect(upcoming.status).toBe(200);
    expect(upcoming.body).toMatchObject({ amountDue: 1500, total: 1500, currency: 'usd' });
    expect(upcoming.body.lines).toEqual([expect.objectContaining({ amount: 1500, proration: false })]);
    const [customer] = customersOf(fake, user);
    const sub = [...fake.state.subscriptions.values()].find((s) => s.customer === customer)!;
    expect(upcoming.body.periodStart).toBe(sub.items.data[0].current_period_end);
    // Nothing was created at Stripe by the preview.
    expect([...fake.state.invoices.values()].filter((i) => i.customer === customer)).toHaveLength(1);

    expect((await call(app, 'POST', 'cancel', { user, body: {} })).status).toBe(200);
    const none = await call(app, 'GET', 'invoices/upcoming', { user });
    expect(none.status).toBe(404);
    expect(none.body).toEqual({ statusCode: 404, code: 'no_upcoming_invoice', message: 'There is no upcoming invoice.' });
  });

  it.each([
    ['invoices?limit=0', 'limit'],
    ['invoices?limit=101', 'limit'],
    ['invoices?limit=abc', 'limit'],
    ['invoices?limit=1.5', 'limit'],
    ['invoices?starting_after=cus_123', 'starting_after'],
    ['invoices?customer=cus_123', 'customer'],
    ['invoices/not-an-invoice', 'id'],
    ['invoices/in_123%27%3B', 'id'],
  ])('GET %s is refused with 400 invalid_request naming %s, before any Stripe call', async (path, field) => {
    const user = await subscribed('pro');
    const calls = await stripeCallsDuring(fake, async () => {
      const res = await call(app, 'GET', path, { user });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_request');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });
    expect(calls).toEqual([]);
  });

  it('the invoice routes need authentication', async () => {
    for (const path of ['invoices', 'invoices/upcoming', 'invoices/in_123']) {
      const res = await call(app, 'GET', path);
      expect([res.status, res.body.code]).toEqual([401, 'unauthenticated']);
    }
  });
});
