import type Stripe from 'stripe';
import { PaymentEntity } from '../../lib';
import { buildStripeEvent, FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { TestUser } from '../support/test-user.entity';
import { reload, subscribe, userWithCustomer } from './support/fake-flows';
import { LogCapture } from '../support/log-capture';
import { postWebhook } from './support/webhook-helpers';

// Issue 10, item 6: invoice events are re-fetched like every other object, payments are recorded
// only for our billables and with Stripe's figures, and objects Stripe does not have are acknowledged.
describeEachDb(['sqlite', 'postgres'])('invoice and checkout events against Stripe on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let t: TestApp;
  let stripe: Stripe;
  let logger: LogCapture;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 61 });
    logger = new LogCapture();
    // Inline: these tests assert the route's own answer ('processed') before reading what was written.
    t = await startTestApp({ db, fake, logger, payments: { webhook: { processing: 'inline' } } });
    stripe = fake.client();
    // These tests deliver by hand: the fake only keeps the events.
    fake.pauseDeliveries();
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await db?.drop();
  });

  const send = (event: object) => postWebhook(t.url, JSON.stringify(event), { secret: fake.webhookSecret });
  const payment = (id: string) => t.dataSource.getRepository(PaymentEntity).findOneBy({ id });

  /** A paid subscription whose events were not delivered; returns its invoice.paid event. */
  async function undeliveredInvoicePaid(customer?: string) {
    const user = await userWithCustomer(t, stripe);
    const before = fake.events.length;
    await subscribe(fake, stripe, customer ? ({ ...user, stripeCustomerId: customer } as TestUser) : user);
    const event = fake.events.slice(before).find((e) => e.type === 'invoice.paid')!;
    const invoice = fake.state.invoices.get((event.data.object as Stripe.Invoice).id)!;
    return { user, event, invoice };
  }

  it('a signed invoice.paid claiming 123456789 records what Stripe says was paid', async () => {
    const { user, event, invoice } = await undeliveredInvoicePaid();
    const forged = { ...event, data: { object: { ...event.data.object, amount_paid: 123_456_789, currency: 'eur' } } };
    expect(await send(forged)).toEqual({ status: 200, json: { received: true, outcome: 'processed' } });
    expect(await payment(invoice.id)).toMatchObject({ billableId: String(user.id), amountPaid: invoice.amount_paid, currency: 'usd' });
    expect(invoice.amount_paid).toBe(1500);
  });

  it('an invoice.paid without `created` (event or invoice) stores Stripe\'s payment time, never NaN', async () => {
    const { event, invoice } = await undeliveredInvoicePaid();
    const object = { ...(event.data.object as unknown as Record<string, unknown>) };
    delete object.created;
    delete object.status_transitions;
    const stripped: Record<string, unknown> = { ...event, data: { object } };
    delete stripped.created;
    expect(await send(stripped)).toEqual({ status: 200, json: { received: true, outcome: 'processed' } });
    const row = await payment(invoice.id);
    expect(row?.paidAt.getTime()).toBe(invoice.status_transitions.paid_at! * 1000);
  });

  it('an invoice paid by a customer no billable owns records no payment', async () => {
    const stranger = await stripe.customers.create({ email: 'stranger@example.test' });
    const { event, invoice, user } = await undeliveredInvoicePaid(stranger.id);
    expect(await send(event)).toEqual({ status: 200, json: { received: true, outcome: 'processed' } });
    expect(await payment(invoice.id)).toBeNull();
    expect(await t.dataSource.getRepository(PaymentEntity).countBy({ stripeCustomerId: stranger.id })).toBe(0);
    expect(await reload(t, user.id)).toMatchObject({ plan: null });
  });

  it.each([
    ['invoice.paid', { id: 'in_does_not_exist_1', amount_paid: 5000 }],
    ['invoice.payment_failed', { id: 'in_does_not_exist_2' }],
    ['checkout.session.completed', { id: 'cs_test_does_not_exist_1' }],
  ])('%s for an object Stripe does not have → 200 with one log line, nothing written', async (type, object) => {
    const user = await userWithCustomer(t, stripe);
    const event = buildStripeEvent(type, { ...object, customer: user.stripeCustomerId, client_reference_id: String(user.id), metadata: { billable_id: String(user.id) } });
    const from = logger.lines.length;
    expect(await send(event)).toEqual({ status: 200, json: { received: true, outcome: 'processed' } });
    expect(await payment(object.id)).toBeNull();
    expect(await reload(t, user.id)).toMatchObject({ plan: null, billingVersion: user.billingVersion });
    expect(logger.lines.slice(from).filter((l) => l.text.includes(event.id))).toEqual([{ level: 'log', text: expect.stringContaining('does not exist at Stripe') }]);
    // Stripe's retry (a redelivery) finds it done.
    expect((await send(event)).json.outcome).toBe('duplicate');
  });
});
