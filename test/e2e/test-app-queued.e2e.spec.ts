import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PAYMENTS_ENTITIES, WebhookEventEntity } from '../../lib';
import { buildStripeEvent, PaymentsTestApp, signedWebhookRequest, startPaymentsTestApp } from '../../lib/testing';
import { testPlans, testPrices } from '../support/test-plans';
import { TestUser } from '../support/test-user.entity';

// The public test helper in queued webhook mode: `fake.waitForDeliveries()` waits for the app's
// workers too, and `drainWebhooks()` runs what a test POSTed itself.
describe('startPaymentsTestApp with webhook.processing queued', () => {
  let t: PaymentsTestApp;
  let sql: DataSource;

  beforeAll(async () => {
    t = await startPaymentsTestApp({
      imports: [TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', entities: [TestUser, ...PAYMENTS_ENTITIES], synchronize: true })],
      payments: {
        plans: testPlans,
        billableEntity: TestUser,
        authGuard: null,
        urls: { success: 'http://app.test/ok?session_id={CHECKOUT_SESSION_ID}', cancel: 'http://app.test/cancel', portalReturn: 'http://app.test/billing', allowedOrigins: ['http://app.test'] },
        webhook: { processing: 'queued' },
      },
      prices: testPrices,
    });
    sql = t.app.get(DataSource);
  });
  afterAll(() => t?.close());

  it('waitForDeliveries returns once the workers applied what Stripe sent', async () => {
    const stripe = t.fake.client();
    const user = await sql.getRepository(TestUser).save({ email: 'queued-helper@example.test' });
    const customer = await stripe.customers.create({ email: user.email, metadata: { billable_id: String(user.id) } });
    await sql.getRepository(TestUser).update({ id: user.id }, { stripeCustomerId: customer.id });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_pro_month' }], metadata: { billable_id: String(user.id) } });
    await t.fake.waitForDeliveries();
    expect(await sql.getRepository(TestUser).findOneByOrFail({ id: user.id })).toMatchObject({ stripeSubscriptionId: sub.id, subscriptionStatus: 'active', plan: 'pro' });
    expect(t.fake.deliveries.every((d) => d.status === 200)).toBe(true);
  });

  it('drainWebhooks runs an event the test POSTed itself', async () => {
    const event = buildStripeEvent('balance.available', { id: 'txn_queued_helper' });
    const signed = signedWebhookRequest(event, t.fake.webhookSecret);
    const res = await fetch(`${t.url}/api/payments/webhook`, { method: 'POST', headers: signed.headers, body: signed.body });
    expect(await res.json()).toEqual({ received: true, outcome: 'queued' });
    await t.drainWebhooks();
    expect((await sql.getRepository(WebhookEventEntity).findOneByOrFail({ id: event.id })).status).toBe('ignored');
  });
});
