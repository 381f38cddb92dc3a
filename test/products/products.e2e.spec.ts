import { UsageService } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { call, jwtGuard, stripeCallsDuring } from '../billing/billing-kit';
import { buy, createProductPrices, creditRows, creditsSpentByKey, testProducts } from './products-kit';

describe.each(testDatabases())('one-time products on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;
  let usage: UsageService;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1515 });
    createProductPrices(fake);
    app = await startTestApp({ db, fake, payments: { authGuard: jwtGuard, products: testProducts, now: () => new Date(fake.now() * 1000) } });
    usage = app.app.get(UsageService);
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  it('GET /products lists the products without auth', async () => {
    const answer = await call(app, 'GET', 'products');
    expect(answer.status).toBe(200);
    expect(answer.body.products).toEqual([
      { key: 'credits_100', name: '100 API calls', description: null, grants: { api_calls: 100 }, grantsPlan: null, expiresInDays: null, maxQuantity: 5 },
      { key: 'credits_week', name: '50 API calls for a week', description: null, grants: { api_calls: 50 }, grantsPlan: null, expiresInDays: 7, maxQuantity: 100 },
      { key: 'lifetime', name: 'Pro for life', description: null, grants: {}, grantsPlan: 'pro', expiresInDays: null, maxQuantity: 1 },
    ]);
  });

  it('POST /checkout { product, quantity } opens a payment-mode session at the server price, granted once when the webhook and the status call race', async () => {
    const user = (await app.createUser()).id;
    const checkout = await call(app, 'POST', 'checkout', { user, body: { product: 'credits_100', quantity: 3 } });
    expect(checkout.status).toBe(200);
    const session = fake.state.checkoutSessions.get(checkout.body.sessionId)!;
    expect(session).toMatchObject({ mode: 'payment', client_reference_id: String(user), amount_total: 1500, metadata: { billable_id: String(user), product: 'credits_100', quantity: '3' } });
    await fake.completeCheckout(checkout.body.sessionId);
    // The status call and the (shuffled, duplicated) webhooks race; many status calls too.
    const statuses = await Promise.all([1, 2, 3].map(() => call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user })));
    await fake.waitForDeliveries();
    for (const status of statuses) {
      expect(status.status).toBe(200);
      expect(status.body.purchase).toMatchObject({ id: checkout.body.sessionId, product: 'credits_100', quantity: 3, amountPaid: 1500, status: 'paid' });
    }
    const rows = await creditRows(app, db, user);
    expect(rows.purchases).toHaveLength(1);
    expect(rows.buckets).toEqual([expect.objectContaining({ metric: 'api_calls', granted: 300, remaining: 300 })]);

    // Redeliveries of every event change nothing.
    for (const event of fake.events.filter((e) => e.type === 'checkout.session.completed' && (e.data.object as { id: string }).id === checkout.body.sessionId)) fake.redeliver(event.id);
    await fake.waitForDeliveries();
    expect(await creditRows(app, db, user)).toEqual(rows);
  });

  it('refuses an unknown product, a bad quantity and a plan beside a product, with a stable code and no Stripe call', async () => {
    const user = (await app.createUser()).id;
    const calls = await stripeCallsDuring(fake, async () => {
      const unknown = await call(app, 'POST', 'checkout', { user, body: { product: 'credits_9999' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body).toMatchObject({ code: 'invalid_product', product: 'credits_9999' });
      const tooMany = await call(app, 'POST', 'checkout', { user, body: { product: 'credits_100', quantity: 6 } });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body).toMatchObject({ code: 'quantity_out_of_range', maxQuantity: 5 });
      for (const quantity of [0, -1, 1.5, 1001, '2']) {
        const bad = await call(app, 'POST', 'checkout', { user, body: { product: 'credits_100', quantity } });
        expect(bad.status).toBe(400);
        expect(bad.body.code).toBe('quantity_out_of_range');
      }
      const both = await call(app, 'POST', 'checkout', { user, body: { product: 'credits_100', plan: 'pro' } });
      expect(both.status).toBe(400);
      expect(both.body.code).toBe('invalid_request');
      const quantityAlone = await call(app, 'POST', 'checkout', { user, body: { plan: 'pro', quantity: 2 } });
      // A quantity on a plan buys seats; this plan is not sold per seat.
      expect(quantityAlone.status).toBe(400);
      expect(quantityAlone.body.code).toBe('plan_without_seats');
      const priceId = await call(app, 'POST', 'checkout', { user, body: { product: 'price_credits_100' } });
      expect(priceId.body.code).toBe('invalid_product');
    });
    expect(calls).toEqual([]);
  });

  it('a partial refund takes back its share of what is left, a full refund the rest, each refund once; never below zero', async () => {
    const user = (await app.createUser()).id;
    const sessionId = await buy(app, fake, user, 'credits_100', 2);
    await fake.waitForDeliveries();
    const intent = fake.state.checkoutSessions.get(sessionId)!.payment_intent as string;
    const stripe = fake.client();
    // 40% of the price back: 80 of the 200 units.
    await stripe.refunds.create({ payment_intent: intent, amount: 400 });
    await fake.waitForDeliveries();
    let rows = await creditRows(app, db, user);
    expect(rows.buckets[0]).toMatchObject({ granted: 200, remaining: 120, refunded_units: 80 });
    expect(rows.purchases[0]).toMatchObject({ refunded_amount: 400, status: 'partially_refunded' });

    // Spend most of it, then refund the rest: only what is left is taken, never below zero.
    await usage.consume(user, 'api_calls', 5); // the free plan's allowance
    await usage.consume(user, 'api_calls', 100);
    await stripe.refunds.create({ payment_intent: intent });
    await fake.waitForDeliveries();
    for (const event of fake.events.filter((e) => e.type === 'charge.refunded')) fake.redeliver(event.id);
    await fake.waitForDeliveries();
    rows = await creditRows(app, db, user);
    expect(rows.buckets[0]).toMatchObject({ granted: 200, remaining: 0 });
    expect(rows.purchases[0]).toMatchObject({ refunded_amount: 1000, status: 'refunded' });
    const refunds = await app.dataSource.query(`SELECT id, units_taken FROM payments_credit_refunds WHERE purchase_id = ${db.kind === 'postgres' ? '$1' : '?'}`, [sessionId]);
    expect(refunds.map((r: { units_taken: number }) => Number(r.units_taken)).sort((a: number, b: number) => a - b)).toEqual([20, 80]);
  });

  it('a refund delivered before the purchase was granted grants it first, then takes its share', async () => {
    const user = (await app.createUser()).id;
    fake.pauseDeliveries();
    const sessionId = await buy(app, fake, user, 'credits_100', 1);
    await fake.client().refunds.create({ payment_intent: fake.state.checkoutSessions.get(sessionId)!.payment_intent as string, amount: 250 });
    const refunded = fake.events.filter((e) => e.type === 'charge.refunded').at(-1)!;
    // Only the refund arrives at first (the fake sends it again once resumed, with the rest).
    fake.redeliver(refunded.id);
    fake.resumeDeliveries();
    await fake.waitForDeliveries();
    const rows = await creditRows(app, db, user);
    expect(rows.purchases).toHaveLength(1);
    expect(rows.buckets[0]).toMatchObject({ granted: 100, remaining: 50, refunded_units: 50 });
  });

  it('spends the allowance first, then purchased credits oldest expiry first; GET /balance and GET /usage show each bucket', async () => {
    const user = (await app.createUser()).id;
    const forever = await buy(app, fake, user, 'credits_100');
    const week = await buy(app, fake, user, 'credits_week');
    await fake.waitForDeliveries();
    await usage.consume(user, 'api_calls', 3); // allowance: 3 of 5
    await usage.consume(user, 'api_calls', 4); // 2 from the allowance, 2 from the week's bucket
    await usage.consume(user, 'api_calls', 49); // 48 from the week's bucket, 1 from the forever one
    const balance = await call(app, 'GET', 'balance', { user });
    expect(balance.status).toBe(200);
    const calls = balance.body.balances.find((b: { metric: string }) => b.metric === 'api_calls');
    expect(calls).toMatchObject({ limit: 5, used: 5, remaining: 0, creditsRemaining: 99, available: 99 });
    expect(calls.credits).toEqual([expect.objectContaining({ purchase: forever, granted: 100, remaining: 99, expiresAt: null })]);
    const meters = await call(app, 'GET', 'usage', { user });
    expect(meters.body.usage.find((m: { metric: string }) => m.metric === 'api_calls')).toMatchObject({ used: 5, creditsRemaining: 99, credits: [expect.objectContaining({ purchase: forever })] });
    // The exports metric is sold by no product: its meter is as before.
    expect(meters.body.usage.find((m: { metric: string }) => m.metric === 'exports')).not.toHaveProperty('credits');
    expect((await creditRows(app, db, user)).buckets.find((b: { purchase_id: string }) => b.purchase_id === week)).toMatchObject({ remaining: 0 });

    // Over everything left: 429 and nothing taken.
    await expect(usage.consume(user, 'api_calls', 100)).rejects.toMatchObject({ code: 'usage_limit_exceeded' });
    expect((await usage.check(user, 'api_calls', 99)).allowed).toBe(true);
  });

  it('expired buckets are not spent', async () => {
    const user = (await app.createUser()).id;
    await buy(app, fake, user, 'credits_week');
    await fake.waitForDeliveries();
    await usage.consume(user, 'api_calls', 5);
    await usage.consume(user, 'api_calls', 10);
    await fake.advanceTime(8 * 86_400);
    // A new period started too, so the allowance is back: 5, and nothing from the expired bucket.
    await usage.consume(user, 'api_calls', 5);
    await expect(usage.consume(user, 'api_calls', 1)).rejects.toMatchObject({ code: 'usage_limit_exceeded' });
    const balance = await call(app, 'GET', 'balance', { user });
    expect(balance.body.balances.find((b: { metric: string }) => b.metric === 'api_calls')).toMatchObject({ creditsRemaining: 0, credits: [] });
  });

  it('concurrent uses never spend more than the allowance plus the credits, and keyed repeats and releases keep the books exact', async () => {
    const user = (await app.createUser()).id;
    await buy(app, fake, user, 'credits_100');
    await fake.waitForDeliveries();
    // 5 allowance + 100 credits = 105 units; 60 uses of 2 → 52 fit (104), one unit stays.
    const outcomes = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => usage.consume(user, 'api_calls', 2, i % 3 === 0 ? `k-${i}` : null)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(52);
    const rows = await creditRows(app, db, user);
    expect(rows.buckets[0].remaining).toBe(1);
    // A keyed repeat counts nothing; a release gives its credits back.
    const keyed = outcomes.findIndex((o, i) => o.status === 'fulfilled' && i % 3 === 0);
    const repeat = await usage.consume(user, 'api_calls', 2, `k-${keyed}`);
    expect(repeat.duplicate).toBe(true);
    // Which uses took the allowance's 5 units depends on arrival, so one use may be split (1 + 1):
    // the release gives back exactly the credits recorded against its key, whatever they were.
    const spent = await creditsSpentByKey(app, db, user, `k-${keyed}`);
    expect([0, 1, 2]).toContain(spent);
    expect(await usage.release({ billableId: user, metric: 'api_calls', idempotencyKey: `k-${keyed}` })).toBe(true);
    expect((await creditRows(app, db, user)).buckets[0].remaining).toBe(1 + spent);
    expect(await creditsSpentByKey(app, db, user, `k-${keyed}`)).toBe(0);
  });

  it('a delayed payment is granted when it succeeds (checkout.session.async_payment_succeeded), not before', async () => {
    const user = (await app.createUser()).id;
    const checkout = await call(app, 'POST', 'checkout', { user, body: { product: 'credits_100' } });
    await fake.completeCheckout(checkout.body.sessionId, { asyncPayment: true });
    await fake.waitForDeliveries();
    const pending = await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user });
    expect(pending.body.purchase).toBeNull();
    expect((await creditRows(app, db, user)).purchases).toEqual([]);
    fake.settleAsyncPayment(checkout.body.sessionId);
    await fake.waitForDeliveries();
    expect((await creditRows(app, db, user)).buckets).toEqual([expect.objectContaining({ granted: 100, remaining: 100 })]);
  });
});
