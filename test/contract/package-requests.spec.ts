import { Controller, Get, UseGuards } from '@nestjs/common';
import { TrackUsage } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { RecordedRequest } from '../../lib/testing/fake-stripe.types';
import { WebhookOperations } from '../../lib/webhooks/operations/webhook-operations.service';
import { call, customersOf, jwtGuard } from '../billing/billing-kit';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';

@Controller('metered')
@UseGuards(jwtGuard)
class MeteredController {
  @TrackUsage('api_calls')
  @Get()
  hit() {
    return { ok: true };
  }
}

/**
 * The contract between the package and Stripe's API: the package's own flows (checkout, status,
 * portal, cancel, resume, upgrade, downgrade through a schedule, webhook sync, operations, usage)
 * run against the FakeStripe, which checks every parameter against Stripe's reference. Any
 * request it refuses on validation fails this test, naming the endpoint and the parameter.
 */
describe.each(testDatabases().slice(0, 1))('every request the package sends passes Stripe\'s parameter checks (%s)', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;
  /** Requests the test itself sent (not the package); left out of the recording. */
  const ours = new Set<RecordedRequest>();

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 2026 });
    app = await startTestApp({
      db,
      fake,
      controllers: [MeteredController],
      payments: {
        authGuard: jwtGuard,
        allowImmediateCancel: true,
        now: () => new Date(fake.now() * 1000),
        allowPromotionCodes: true,
        checkoutParams: () => ({
          allow_promotion_codes: true, automatic_tax: { enabled: true }, tax_id_collection: { enabled: true }, billing_address_collection: 'required',
          locale: 'auto', custom_text: { submit: { message: 'Thank you' } }, consent_collection: { terms_of_service: 'required' }, customer_update: { address: 'auto', name: 'auto' },
        }),
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  /** Runs `fn` and marks the fake's requests made meanwhile as the test's own. */
  async function asTest<T>(fn: () => Promise<T>): Promise<T> {
    const from = fake.requests.length;
    const out = await fn();
    for (const r of fake.requests.slice(from)) ours.add(r);
    return out;
  }

  async function settle(): Promise<void> {
    await fake.waitForDeliveries();
  }

  /** Checkout through the package, paid on the fake, back on the success page, webhooks processed. */
  async function subscribed(plan: 'pro' | 'enterprise', options: { trial?: boolean } = {}): Promise<{ id: number; subId: string }> {
    const user = await app.createUser();
    if (options.trial === false) await app.dataSource.query(`UPDATE users SET trial_used = ${kind === 'sqlite' ? '1' : 'true'} WHERE id = ${user.id}`);
    const checkout = await call(app, 'POST', 'checkout', { user: user.id, body: { plan } });
    expect(checkout.status).toBe(200);
    const { subscriptionId } = await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
    const status = await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id });
    expect(status.body.subscription).toMatchObject({ plan, active: true });
    await settle();
    return { id: user.id, subId: subscriptionId! };
  }

  /** The package's requests the fake refused on validation, worded for the failure message. */
  const refusedRequests = (): string[] =>
    fake.requests.filter((r) => !ours.has(r) && r.invalid).map((r) => `${r.method} ${r.path}: ${r.invalid!.code} ${r.invalid!.param ?? ''} (${r.invalid!.message})`);

  it('drives the package\'s flows without one refused request, over every endpoint it uses', async () => {
    try {
      await packageFlows();
    } finally {
      // A refused request usually breaks a flow step first: name it rather than the step's symptom.
      expect(refusedRequests()).toEqual([]);
    }
    const recording = fake.requests.filter((r) => !ours.has(r));
    expect(recording.every((r) => r.params !== undefined)).toBe(true);
    // The endpoints the package uses, each at least once: a new call shows up here, a lost flow too.
    const endpoints = [...new Set(recording.map((r) => `${r.method} ${r.path.replace(/\/(cus|sub_sched|sub|cs_test|price|evt|in)_[A-Za-z0-9_]+/g, '/:id')}`))].sort();
    expect(endpoints).toEqual([
      'GET /v1/checkout/sessions',
      'GET /v1/checkout/sessions/:id',
      'GET /v1/customers/:id',
      'GET /v1/events/:id',
      'GET /v1/invoices',
      'GET /v1/invoices/:id',
      'GET /v1/promotion_codes',
      'POST /v1/invoices/create_preview',
      'GET /v1/prices/:id',
      'GET /v1/subscription_schedules/:id',
      'GET /v1/subscriptions',
      'GET /v1/subscriptions/:id',
      'POST /v1/billing_portal/sessions',
      'POST /v1/checkout/sessions',
      'POST /v1/checkout/sessions/:id/expire',
      'POST /v1/customers',
      'POST /v1/subscription_schedules',
      'POST /v1/subscription_schedules/:id',
      'POST /v1/subscription_schedules/:id/release',
      'POST /v1/subscriptions/:id',
      'DELETE /v1/subscriptions/:id',
    ].sort());
    expect(recording.length).toBeGreaterThan(40);
  });

  async function packageFlows(): Promise<void> {
    // Catalogue.
    expect((await call(app, 'GET', 'plans')).status).toBe(200);

    // Checkout: a first session, a second one for another plan (the first one is expired), then paid.
    const buyer = await app.createUser();
    const first = await call(app, 'POST', 'checkout', { user: buyer.id, body: { plan: 'pro' } });
    const second = await call(app, 'POST', 'checkout', { user: buyer.id, body: { plan: 'enterprise' } });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(fake.state.checkoutSessions.get(first.body.sessionId)!.status).toBe('expired');
    await fake.completeCheckout(second.body.sessionId, { card: 'success' });
    await settle();
    expect((await call(app, 'GET', `checkout/status?session_id=${second.body.sessionId}`, { user: buyer.id })).body.subscription).toMatchObject({ plan: 'enterprise' });

    // Status, usage, portal.
    expect((await call(app, 'GET', 'subscription', { user: buyer.id })).body).toMatchObject({ plan: 'enterprise', active: true });
    expect((await fetch(`${app.url}/api/metered`, { headers: app.auth(buyer.id) })).status).toBe(200);
    expect((await call(app, 'GET', 'usage', { user: buyer.id })).status).toBe(200);
    expect((await call(app, 'POST', 'portal', { user: buyer.id, body: {} })).status).toBe(200);

    // Cancel at period end, resume, cancel now.
    expect((await call(app, 'POST', 'cancel', { user: buyer.id, body: {} })).body).toMatchObject({ cancelAtPeriodEnd: true });
    expect((await call(app, 'POST', 'resume', { user: buyer.id })).body).toMatchObject({ cancelAtPeriodEnd: false });
    expect((await call(app, 'POST', 'cancel', { user: buyer.id, body: { immediately: true } })).status).toBe(200);
    await settle();

    // Upgrade with an immediate proration invoice.
    const upgrader = await subscribed('pro', { trial: false });
    expect((await call(app, 'POST', 'upgrade', { user: upgrader.id, body: { plan: 'enterprise' } })).body).toMatchObject({ plan: 'enterprise' });
    await settle();

    // Downgrade through a subscription schedule; taken back (release); again, then cancelled while it waits.
    const downgrader = await subscribed('enterprise');
    expect((await call(app, 'POST', 'upgrade', { user: downgrader.id, body: { plan: 'pro' } })).body).toMatchObject({ scheduledChange: { plan: 'pro' } });
    expect((await call(app, 'POST', 'upgrade', { user: downgrader.id, body: { plan: 'enterprise' } })).body).toMatchObject({ scheduledChange: null });
    expect((await call(app, 'POST', 'upgrade', { user: downgrader.id, body: { plan: 'pro' } })).status).toBe(200);
    expect((await call(app, 'POST', 'cancel', { user: downgrader.id, body: {} })).body).toMatchObject({ cancelAtPeriodEnd: true });
    // And one that goes through: the phase switch at the period end, synced by webhooks.
    const scheduled = await subscribed('enterprise');
    expect((await call(app, 'POST', 'upgrade', { user: scheduled.id, body: { plan: 'pro' } })).status).toBe(200);
    await settle();
    const periodEnd = fake.state.subscriptions.get(scheduled.subId)!.items.data[0].current_period_end;
    await fake.advanceTime(periodEnd - fake.now() + 60);
    await settle();
    expect((await call(app, 'GET', 'subscription', { user: scheduled.id })).body).toMatchObject({ plan: 'pro', active: true });

    // Invoices, the upcoming one, an upgrade's preview, a portal deep link, a promotion code.
    const reader = await subscribed('pro', { trial: false });
    const invoices = await call(app, 'GET', 'invoices?limit=5', { user: reader.id });
    expect(invoices.body.data.length).toBeGreaterThan(0);
    expect((await call(app, 'GET', `invoices/${invoices.body.data[0].id}`, { user: reader.id })).status).toBe(200);
    expect((await call(app, 'GET', 'invoices/upcoming', { user: reader.id })).status).toBe(200);
    expect((await call(app, 'POST', 'upgrade', { user: reader.id, body: { plan: 'enterprise', preview: true } })).body.preview).toBeDefined();
    expect((await call(app, 'POST', 'portal', { user: reader.id, body: { flow: 'payment_method_update' } })).status).toBe(200);
    const coupon = await asTest(() => fake.client().coupons.create({ percent_off: 10, duration: 'once' }));
    await asTest(() => fake.client().promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'CONTRACT10' }));
    const promoBuyer = await app.createUser();
    expect((await call(app, 'POST', 'checkout', { user: promoBuyer.id, body: { plan: 'pro', promotionCode: 'CONTRACT10' } })).status).toBe(200);

    // Payment recovery: a failed upgrade payment, then past due with the invoice to pay.
    const [readerCustomer] = customersOf(fake, reader.id);
    fake.setCustomerCard(readerCustomer, 'decline');
    expect((await call(app, 'POST', 'upgrade', { user: reader.id, body: { plan: 'enterprise' } })).body.paymentRecovery).toBeDefined();
    await settle();

    // Operations: replay an event, resync a billable; a customer deleted at Stripe.
    const ops = app.app.get(WebhookOperations);
    await ops.replay(fake.events.find((e) => e.type === 'customer.subscription.updated')!.id);
    await ops.resync(String(upgrader.id));
    const [customer] = customersOf(fake, upgrader.id);
    await asTest(() => fake.client().customers.del(customer));
    await settle();
    expect((await call(app, 'GET', 'subscription', { user: upgrader.id })).body).toMatchObject({ plan: 'free' });
  }
});
