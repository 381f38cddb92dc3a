import { ConsoleLogger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { PAYMENTS_ENTITIES, PaymentsModule, PaymentsModuleOptions } from '../../lib';
import { subscriptionPeriod } from '../../lib/stripe/billing-period';
import { FakeStripe } from '../../lib/testing';
import { call, jwtGuard } from '../billing/billing-kit';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { testPlans, testPrices } from '../support/test-plans';
import { TestUser } from '../support/test-user.entity';
import { RecordingHandlers } from '../webhooks/support/recording-handlers';
import { reload, subscribe, userWithCustomer } from '../webhooks/support/fake-flows';

const baseOptions: PaymentsModuleOptions = { secretKey: 'sk_test_module', webhookSecret: 'whsec_module', plans: testPlans, billableEntity: TestUser, authGuard: null };

async function boot(payments: PaymentsModuleOptions): Promise<void> {
  const ref = await Test.createTestingModule({
    imports: [TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', entities: [TestUser, ...PAYMENTS_ENTITIES], synchronize: true }), PaymentsModule.forRoot(payments)],
  }).compile();
  const app = ref.createNestApplication({ logger: false });
  try {
    await app.init();
  } finally {
    await app.close();
  }
}

/** Keeps the warnings an app logs. */
class WarningLog extends ConsoleLogger {
  readonly warnings: string[] = [];
  override warn(message: unknown): void {
    this.warnings.push(String(message));
  }
  override log(): void {}
  override error(): void {}
}

describe('the Stripe API version the package supports', () => {
  it('refuses at start-up a stripeClient (or stripeClientOptions) pinned to another version, in one sentence', async () => {
    const old = new Stripe('sk_test_old', { apiVersion: '2025-03-31.basil' as never });
    const sentence = `the Stripe client uses API version 2025-03-31.basil but this package supports ${Stripe.API_VERSION}; create it with new Stripe(key, { apiVersion: '${Stripe.API_VERSION}' })`;
    await expect(boot({ ...baseOptions, secretKey: undefined, stripeClient: old })).rejects.toThrow(sentence);
    await expect(boot({ ...baseOptions, stripeClientOptions: { apiVersion: '2025-03-31.basil' as never } })).rejects.toThrow(sentence);
    await expect(boot({ ...baseOptions, secretKey: undefined, stripeClient: new Stripe('sk_test_same') })).resolves.toBeUndefined();
  });

  it.each([
    ['since 2025-03-31: on the item', { items: { data: [{ current_period_start: 10, current_period_end: 20 }] } }, { start: 10, end: 20 }],
    ['before: on the subscription', { current_period_start: 11, current_period_end: 21, items: { data: [{}] } }, { start: 11, end: 21 }],
    ['neither', { items: { data: [] } }, { start: null, end: null }],
  ])('reads the billing period %s', (_name, sub, period) => {
    expect(subscriptionPeriod(sub as unknown as Stripe.Subscription)).toEqual(period);
  });
});

describe.each(testDatabases(['sqlite', 'postgres']))('events in another API version on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let t: TestApp;
  let stripe: Stripe;
  const logger = new WarningLog();

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 64 });
    t = await startTestApp({ db, fake, registerWithFake: false, logger, providers: [RecordingHandlers], payments: { authGuard: jwtGuard } });
    for (const price of testPrices) fake.createPrice(price);
    // An endpoint created long ago and never upgraded.
    fake.addWebhookEndpoint(`${t.url}/api/payments/webhook`, undefined, { apiVersion: '2024-09-30.acacia' });
    stripe = fake.client();
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await db?.drop();
  });

  it('keeps billing state right (re-fetched), logs once per type, and handlers see the endpoint’s shape', async () => {
    for (let i = 0; i < 2; i++) {
      const user = await userWithCustomer(t, stripe);
      const subId = await subscribe(fake, stripe, user);
      await fake.waitForDeliveries(15_000);
      const row = await reload(t, user.id);
      expect(row).toMatchObject({ plan: 'pro', subscriptionStatus: 'active', stripeSubscriptionId: subId });
      expect(row.currentPeriodEnd?.getTime()).toBe(fake.state.subscriptions.get(subId)!.items.data[0].current_period_end * 1000);
    }
    const about = (type: string) => logger.warnings.filter((w) => w.startsWith(`${type} events arrive in API version 2024-09-30.acacia but the Stripe client uses ${Stripe.API_VERSION}`));
    expect(about('customer.subscription.created')).toHaveLength(1);
    expect(about('invoice.paid')).toHaveLength(1);
    expect(about('invoice.paid')[0]).toContain('@OnStripeEvent handlers see 2024-09-30.acacia shapes');
    const paid = t.app.get(RecordingHandlers).stripeEvents.find((e) => e.type === 'invoice.paid')!;
    expect(paid.api_version).toBe('2024-09-30.acacia');
    expect(paid.data.object).toHaveProperty('subscription');
    expect(paid.data.object).not.toHaveProperty('parent');
  });

  it('creates subscriptions in flexible billing mode, and a period-end downgrade’s schedule keeps it', async () => {
    const user = await t.createUser();
    const checkout = await call(t, 'POST', 'checkout', { user: user.id, body: { plan: 'enterprise' } });
    const { subscriptionId } = await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
    await fake.waitForDeliveries(15_000);
    expect(fake.state.subscriptions.get(subscriptionId!)!.billing_mode.type).toBe('flexible');
    const down = await call(t, 'POST', 'upgrade', { user: user.id, body: { plan: 'pro' } });
    expect(down).toMatchObject({ status: 200, body: { scheduledChange: { plan: 'pro' } } });
    const schedule = [...fake.state.subscriptionSchedules.values()].find((s) => s.subscription === subscriptionId)!;
    expect(schedule.billing_mode.type).toBe('flexible');
    expect(schedule.phases[0].end_date).toBe(fake.state.subscriptions.get(subscriptionId!)!.items.data[0].current_period_end);
  });
});
