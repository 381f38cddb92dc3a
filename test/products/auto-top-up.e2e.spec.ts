import { AutoTopUp, UsageService } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { customersOf, jwtGuard } from '../billing/billing-kit';
import { buy, createProductPrices, creditRows, testProducts } from './products-kit';

describe.each(testDatabases())('auto top-up on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;
  let usage: UsageService;
  let topUps: AutoTopUp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1517 });
    createProductPrices(fake);
    app = await startTestApp({
      db, fake,
      payments: { authGuard: jwtGuard, products: testProducts, autoTopUp: { api_calls: { below: 20, product: 'credits_100' } }, now: () => new Date(fake.now() * 1000) },
    });
    usage = app.app.get(UsageService);
    topUps = app.app.get(AutoTopUp);
  });
  afterAll(async () => {
    await topUps?.settled();
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  const offSession = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');

  it('buys one pack off-session with the saved card when credits fall below the threshold, once however many uses race', async () => {
    const user = (await app.createUser()).id;
    await buy(app, fake, user, 'credits_100');
    await fake.waitForDeliveries();
    const before = offSession().length;
    await usage.consume(user, 'api_calls', 5); // the allowance
    await usage.consume(user, 'api_calls', 70); // 30 credits left: above 20
    await topUps.settled();
    expect(offSession().length).toBe(before);
    // 12 concurrent uses of 2 take the credits from 30 to 6, each one past the threshold from the 6th on.
    await Promise.all(Array.from({ length: 12 }, () => usage.consume(user, 'api_calls', 2)));
    await topUps.settled();
    const rows = await creditRows(app, db, user);
    expect(rows.purchases).toHaveLength(2);
    expect(rows.purchases.find((p: { id: string }) => p.id.startsWith('pi_'))).toMatchObject({ quantity: 1, amount_paid: 500, status: 'paid' });
    expect(rows.buckets.reduce((sum: number, b: { remaining: number }) => sum + b.remaining, 0)).toBe(106);
    expect(offSession().length).toBe(before + 1);
    const intent = [...fake.state.paymentIntents.values()].find((pi) => pi.metadata?.auto_top_up === 'api_calls' && pi.customer === customersOf(fake, user)[0])!;
    expect(intent).toMatchObject({ status: 'succeeded', amount: 500, metadata: { billable_id: String(user), product: 'credits_100' } });

    // A refund of the top-up takes its credits back, as for a checkout purchase.
    await fake.client().refunds.create({ payment_intent: intent.id });
    await fake.waitForDeliveries();
    expect((await creditRows(app, db, user)).buckets.find((b: { purchase_id: string }) => b.purchase_id === intent.id)).toMatchObject({ remaining: 0 });
  });

  it('a declined card buys nothing and takes nothing; the next use tries again', async () => {
    const user = (await app.createUser()).id;
    await buy(app, fake, user, 'credits_100');
    await fake.waitForDeliveries();
    fake.setCustomerCard(customersOf(fake, user)[0], 'decline');
    await usage.consume(user, 'api_calls', 5 + 90);
    await topUps.settled();
    expect((await creditRows(app, db, user)).purchases).toHaveLength(1);
    fake.setCustomerCard(customersOf(fake, user)[0], 'success');
    await usage.consume(user, 'api_calls', 1);
    await topUps.settled();
    expect((await creditRows(app, db, user)).purchases).toHaveLength(2);
  });
});
