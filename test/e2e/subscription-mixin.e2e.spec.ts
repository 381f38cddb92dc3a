import { DataSource, IsNull } from 'typeorm';
import { createTestDatabase, testDatabases, TestDatabase } from '../support/test-databases';
import { startTestApp, TestApp } from '../support/test-app';
import { TestUser } from '../support/test-user.entity';

const DAY = 86_400_000;

describe.each(testDatabases())('SubscriptionMixin on %s', (kind) => {
  let db: TestDatabase;
  let app: TestApp;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    app = await startTestApp({ db, payments: { authGuard: null } });
    ds = app.dataSource;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('adds the billing columns with snake_case names and portable types', () => {
    const columns = ds.getMetadata(TestUser).columns.map((c) => c.databaseName).sort();
    expect(columns).toEqual(
      [
        'billing_synced_at', 'billing_version', 'cancel_at', 'cancel_at_period_end', 'current_period_end', 'current_period_start',
        'email', 'id', 'past_due_since', 'plan', 'stripe_customer_id', 'stripe_subscription_id', 'subscription_status',
        'trial_end', 'trial_start', 'trial_used',
      ].sort(),
    );
  });

  it('keeps the base class and stores and reads back dates, booleans and nulls exactly', async () => {
    const repo = ds.getRepository(TestUser);
    const end = new Date(Math.floor(Date.now() / 1000) * 1000 + 10 * DAY);
    const saved = await repo.save(
      repo.create({ email: `m-${kind}@example.test`, stripeCustomerId: `cus_${kind}1`, plan: 'pro', subscriptionStatus: 'active', currentPeriodEnd: end }),
    );
    const read = await repo.findOneByOrFail({ id: saved.id });
    expect(read.greet()).toBe('hello');
    expect(read.currentPeriodEnd?.getTime()).toBe(end.getTime());
    expect(read.cancelAtPeriodEnd).toBe(false);
    expect(read.trialUsed).toBe(false);
    expect(read.cancelAt).toBeNull();
    expect(read.billingVersion).toBe(0);
  });

  it('keeps the milliseconds of billingSyncedAt, which orders concurrent syncs', async () => {
    const repo = ds.getRepository(TestUser);
    const syncedAt = new Date('2026-11-20T10:00:00.987Z');
    const saved = await repo.save(repo.create({ email: `ms-${kind}@example.test`, billingSyncedAt: syncedAt }));
    expect((await repo.findOneByOrFail({ id: saved.id })).billingSyncedAt?.toISOString()).toBe('2026-11-20T10:00:00.987Z');
  });

  it('refuses a second billable with the same Stripe customer id', async () => {
    const repo = ds.getRepository(TestUser);
    await repo.save(repo.create({ email: `a-${kind}@example.test`, stripeCustomerId: `cus_dup_${kind}` }));
    await expect(repo.save(repo.create({ email: `b-${kind}@example.test`, stripeCustomerId: `cus_dup_${kind}` }))).rejects.toThrow();
  });

  it('lets many billables have no customer yet (NULLs are not duplicates)', async () => {
    const repo = ds.getRepository(TestUser);
    await repo.save([repo.create({ email: `n1-${kind}@example.test` }), repo.create({ email: `n2-${kind}@example.test` })]);
    expect(await repo.count({ where: { stripeCustomerId: IsNull() } })).toBeGreaterThanOrEqual(2);
  });

  it('answers the status methods from the stored state', async () => {
    const repo = ds.getRepository(TestUser);
    const now = new Date();
    const user = repo.create({
      email: `s-${kind}@example.test`,
      plan: 'pro',
      subscriptionStatus: 'active',
      currentPeriodEnd: new Date(now.getTime() + 3 * DAY - 1000),
      cancelAtPeriodEnd: true,
    });
    expect(user.isSubscribed(now)).toBe(true);
    expect(user.onGracePeriod(now)).toBe(true);
    expect(user.onTrial(now)).toBe(false);
    expect(user.hasPlan('pro')).toBe(true);
    expect(user.hasFeature('advanced_exports')).toBe(true);
    expect(user.hasFeature('sso')).toBe(false);
    expect(user.daysUntilRenewal(now)).toBe(3);
    const ended = repo.create({ email: 'e@example.test', plan: 'pro', subscriptionStatus: 'canceled' });
    expect(ended.isSubscribed()).toBe(false);
    expect(ended.effectivePlan()).toBe('free');
    expect(ended.hasFeature('basic')).toBe(true);
    expect(ended.hasFeature('advanced_exports')).toBe(false);
    expect(ended.daysUntilRenewal()).toBeNull();
  });
});
