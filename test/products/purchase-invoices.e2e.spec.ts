import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { call, customersOf, jwtGuard } from '../billing/billing-kit';
import { buy, createProductPrices, testProducts } from './products-kit';

/** One-time purchases in GET /invoices: Checkout's `invoice_creation` gives each paid session a paid invoice. */
describe.each(testDatabases())('purchase invoices on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1516 });
    createProductPrices(fake);
    app = await startTestApp({ db, fake, payments: { authGuard: jwtGuard, products: testProducts, now: () => new Date(fake.now() * 1000) } });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  it('a paid credit pack is listed in GET /invoices as a paid invoice with a number, its amount and working hosted and PDF links', async () => {
    const user = (await app.createUser()).id;
    const sessionId = await buy(app, fake, user, 'credits_100', 2);
    await fake.waitForDeliveries();
    const session = fake.state.checkoutSessions.get(sessionId)!;
    expect(session.invoice_creation).toMatchObject({ enabled: true, invoice_data: { metadata: { billable_id: String(user), product: 'credits_100' } } });
    expect(session.invoice).toMatch(/^in_/);

    const list = await call(app, 'GET', 'invoices', { user });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      hasMore: false,
      data: [
        expect.objectContaining({
          id: session.invoice, number: expect.stringMatching(/-0001$/), status: 'paid', total: 1000, subtotal: 1000, amountPaid: 1000, amountDue: 1000, currency: 'usd',
          hostedInvoiceUrl: `${fake.url}/invoice/${session.invoice}`, invoicePdf: `${fake.url}/invoice/${session.invoice}/pdf`,
        }),
      ],
    });
    expect((await call(app, 'GET', `invoices/${session.invoice}`, { user })).body).toEqual(list.body.data[0]);

    const page = await fetch(list.body.data[0].hostedInvoiceUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`Invoice ${list.body.data[0].number}`);
    expect(html).toContain('2 × Credits 100: 10.00 USD');
    expect(html).toMatch(/Status: <strong data-status>paid<\/strong>/);
    const pdf = await fetch(list.body.data[0].invoicePdf);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('a subscriber\'s list holds the subscription\'s invoice and the purchase\'s, newest first, and nobody else\'s', async () => {
    const user = (await app.createUser()).id;
    await app.dataSource.query(`UPDATE users SET trial_used = ${kind === 'sqlite' ? '1' : 'true'} WHERE id = ${user}`);
    const checkout = await call(app, 'POST', 'checkout', { user, body: { plan: 'pro' } });
    await fake.completeCheckout(checkout.body.sessionId);
    await fake.advanceTime(60);
    const sessionId = await buy(app, fake, user, 'credits_week');
    await fake.waitForDeliveries();
    const [customer] = customersOf(fake, user);
    const atStripe = [...fake.state.invoices.values()].filter((i) => i.customer === customer);
    expect(atStripe).toHaveLength(2);

    const list = await call(app, 'GET', 'invoices', { user });
    expect(list.body.data.map((i: { id: string }) => i.id)).toEqual([fake.state.checkoutSessions.get(sessionId)!.invoice, atStripe.find((i) => i.billing_reason === 'subscription_create')!.id]);
    expect(list.body.data[0]).toMatchObject({ status: 'paid', total: 300, amountPaid: 300 });
    expect(list.body.data[1]).toMatchObject({ status: 'paid', total: 1500 });

    // Another billable never sees it: their list is their own, and the id answers like a missing one.
    const other = (await app.createUser()).id;
    await buy(app, fake, other, 'credits_100');
    await fake.waitForDeliveries();
    const theirs = await call(app, 'GET', 'invoices', { user: other });
    expect(theirs.body.data).toHaveLength(1);
    expect(theirs.body.data[0].id).not.toBe(list.body.data[0].id);
    const foreign = await call(app, 'GET', `invoices/${list.body.data[0].id}`, { user: other });
    expect(foreign).toEqual({ status: 404, body: expect.objectContaining({ code: 'invoice_not_found' }) });
  });

  it('the purchase\'s invoice is the receipt of a grant made once: the credits are the pack\'s, whatever the invoice events', async () => {
    const user = (await app.createUser()).id;
    const sessionId = await buy(app, fake, user, 'credits_100');
    await fake.waitForDeliveries();
    for (const event of fake.events.filter((e) => e.type.startsWith('invoice.') && (e.data.object as { customer?: string }).customer === customersOf(fake, user)[0])) fake.redeliver(event.id);
    await fake.waitForDeliveries();
    const balance = await call(app, 'GET', 'balance', { user });
    expect(balance.body.balances).toContainEqual(expect.objectContaining({ metric: 'api_calls', creditsRemaining: 100 }));
    // Its invoice.paid is recorded once as a payment of this billable, like a subscription's.
    const invoiceId = fake.state.checkoutSessions.get(sessionId)!.invoice as string;
    const rows = await app.dataSource.query(`SELECT billable_id, amount_paid FROM payments_payments WHERE id = '${invoiceId}'`);
    expect(rows.map((r: { billable_id: string; amount_paid: unknown }) => [String(r.billable_id), Number(r.amount_paid)])).toEqual([[String(user), 500]]);
  });

  it('the fake refuses invoice_creation outside payment mode, and has no hosted page for an unknown invoice', async () => {
    const stripe = fake.client();
    await expect(
      stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: 'price_pro_month', quantity: 1 }], success_url: 'http://localhost/ok', invoice_creation: { enabled: true } }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'invoice_creation' });
    expect((await fetch(`${fake.url}/invoice/in_missing`)).status).toBe(404);
  });

  it('the fake\'s purchase invoice restates a taxed session: total as paid, the flat tax in total_taxes', async () => {
    const stripe = fake.client();
    const customer = await stripe.customers.create({ email: 'tax@example.com' });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment', customer: customer.id, line_items: [{ price: 'price_credits_100', quantity: 1 }], success_url: 'http://localhost/ok',
      automatic_tax: { enabled: true }, invoice_creation: { enabled: true },
    });
    expect(session.amount_total).toBe(550);
    await fake.completeCheckout(session.id);
    const paid = await stripe.checkout.sessions.retrieve(session.id);
    const invoice = await stripe.invoices.retrieve(paid.invoice as string);
    expect(invoice).toMatchObject({ status: 'paid', billing_reason: 'manual', customer: customer.id, total: 550, amount_paid: 550, total_excluding_tax: 500, subtotal: 500, parent: null });
    expect(invoice.total_taxes).toEqual([expect.objectContaining({ amount: 50, taxable_amount: 500 })]);
    expect(invoice.lines.data).toEqual([expect.objectContaining({ amount: 500, quantity: 1, parent: expect.objectContaining({ type: 'invoice_item_details' }) })]);
  });
});
