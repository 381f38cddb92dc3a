import { Controller, Get, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { RequiresFeature, TrackUsage, UsageCounterEntity } from '../../lib';
import { BillableStore } from '../../lib/persistence/billable-store';
import { PaymentsTransactions } from '../../lib/persistence/payments-transactions';
import { FakeStripe } from '../../lib/testing';
import { createTestDatabase, testDatabases, TestDatabase } from '../support/test-databases';
import { startTestApp, TestApp } from '../support/test-app';

@Controller('gated')
@UseGuards(AuthGuard('jwt'))
class GatedController {
  @RequiresFeature('advanced_exports')
  @TrackUsage('api_calls')
  @Get('exports')
  exports() {
    return { ok: true };
  }
}

// The real path: FakeStripe subscribes the customer, its signed webhook reaches the app, the sync
// writes the billable through BillableStore, and the guard's cache is dropped before the next request.
describe.each(testDatabases())('webhook-driven cache invalidation and period reset on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 6 });
    app = await startTestApp({ db, fake, controllers: [GatedController], payments: { authGuard: AuthGuard('jwt'), now: () => new Date(fake.now() * 1000) } });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  const get = (userId: number) => fetch(`${app.url}/api/gated/exports`, { headers: app.auth(userId) }).then((r) => r.status);
  const usage = async (userId: number) => {
    const body = (await (await fetch(`${app.url}/api/payments/usage`, { headers: app.auth(userId) })).json()) as { usage: { metric: string; used: number; resetsAt: string }[] };
    return body.usage.find((m) => m.metric === 'api_calls')!;
  };

  it('lets a user in on the request right after the upgrade webhook, and counts in the new period after renewal', async () => {
    const user = await app.createUser();
    const stripe = fake.client();
    const customer = await stripe.customers.create({ email: user.email, metadata: { billable_id: String(user.id) } });
    const store = app.app.get(BillableStore);
    await app.app.get(PaymentsTransactions).run(async (tx) => store.writeState(tx, (await store.lockById(tx, user.id))!, { stripeCustomerId: customer.id }));
    expect(await get(user.id)).toBe(403); // free plan, now cached

    await stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_pro_month' }], metadata: { billable_id: String(user.id) } });
    await fake.waitForDeliveries();
    expect(await get(user.id)).toBe(200);
    expect(await get(user.id)).toBe(200);
    const before = await usage(user.id);
    expect(before.used).toBe(2);

    await fake.advanceTime(31 * 86_400);
    await fake.waitForDeliveries();
    expect(await get(user.id)).toBe(200);
    const after = await usage(user.id);
    expect(after.used).toBe(1);
    expect(new Date(after.resetsAt).getTime()).toBeGreaterThan(new Date(before.resetsAt).getTime());
    expect(await app.dataSource.getRepository(UsageCounterEntity).countBy({ billableId: String(user.id), metric: 'api_calls' })).toBe(2);
  });
});
