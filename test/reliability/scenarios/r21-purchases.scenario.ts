import { UsageService } from '../../../lib';
import { FakeStripe } from '../../../lib/testing';
import { call } from '../../billing/billing-kit';
import { createProductPrices, testProducts } from '../../products/products-kit';
import { startTestApp, TestApp } from '../../support/test-app';
import { createTestDatabase } from '../../support/test-databases';
import { testPrices } from '../../support/test-plans';
import { pool } from '../support/http-client';
import { report, rngFor, SEED, sized } from '../support/reliability-env';
import { jwtGuard } from '../support/reliability-harness';

const UNITS = testProducts.credits_100.grants.api_calls;
const FREE_ALLOWANCE = 5; // testPlans: free api_calls

interface Purchase {
  user: number;
  sessionId: string;
  quantity: number;
  paid: number;
  refunded: number;
}

/**
 * R21: one-time purchases over 2 instances on PostgreSQL, each event delivered to both instances
 * (shuffled, 30% duplicated) while status calls race them, some purchases refunded in one or two
 * parts. Then: purchases granted once each, credits granted = paid − refunded exactly (per
 * purchase, `units × refunded ÷ paid` rounded down, all of it when refunded in full); then
 * concurrent uses over both instances never take a bucket below zero nor admit more than the
 * allowance plus the credits. Runs on its own two apps (the shared harness sells no products).
 */
export async function r21Purchases(): Promise<void> {
  const started = Date.now();
  const rng = rngFor('R21');
  const purchasesWanted = sized({ ci: 30, full: 300 });
  const userCount = sized({ ci: 8, full: 30 });
  const db = await createTestDatabase('postgres');
  const fake = await FakeStripe.start({ seed: SEED, retryScheduleMs: [100, 300, 1000, 2000, 4000] });
  for (const price of testPrices) fake.createPrice(price);
  createProductPrices(fake);
  const common = { db, fake, registerWithFake: false, realisticDelivery: false, payments: { authGuard: jwtGuard, products: testProducts, entitlementsCacheTtlMs: 0, stripeCallBudget: false as const } };
  const a = await startTestApp(common);
  const b = await startTestApp({ ...common, synchronize: false });
  const apps: [TestApp, TestApp] = [a, b];
  try {
    // Every event goes to both instances, each copy shuffled and sometimes duplicated: they race each other and the status calls.
    fake.addWebhookEndpoint(`${a.url}/api/payments/webhook`);
    fake.addWebhookEndpoint(`${b.url}/api/payments/webhook`);
    // Stripe's way (shuffled, 30% duplicated, small delays), with more in flight so the full scale drains in time.
    fake.setDelivery({ shuffle: true, duplicates: 0.3, delayMs: [0, 10], concurrency: 8 });
    const booted = Date.now();
    const users = await Promise.all(Array.from({ length: userCount }, () => a.createUser()));
    const stripe = fake.client();
    const purchases: Purchase[] = [];
    let refundsMade = 0;
    let statusCalls = 0;
    await pool(8, purchasesWanted, async (i) => {
      const user = users[i % users.length].id;
      const quantity = rng.int(1, 3);
      const checkout = await call(apps[i % 2], 'POST', 'checkout', { user, body: { product: 'credits_100', quantity } });
      if (checkout.status !== 200) throw new Error(`R21 checkout answered ${checkout.status}`);
      const sessionId = checkout.body.sessionId as string;
      await fake.completeCheckout(sessionId);
      const statuses = rng.int(0, 2);
      await Promise.all(
        Array.from({ length: statuses }, async (_, n) => {
          statusCalls++;
          const status = await call(apps[(i + n + 1) % 2], 'GET', `checkout/status?session_id=${sessionId}`, { user });
          if (status.status !== 200 || status.body.purchase?.id !== sessionId) throw new Error(`R21 status answered ${status.status}`);
        }),
      );
      const paid = 500 * quantity;
      const purchase: Purchase = { user, sessionId, quantity, paid, refunded: 0 };
      purchases.push(purchase);
      if (rng.next() < 0.35) {
        const intent = fake.state.checkoutSessions.get(sessionId)!.payment_intent as string;
        const parts = rng.next() < 0.5 ? [rng.int(1, paid - 1)] : [paid];
        if (parts[0] < paid && rng.next() < 0.5) parts.push(paid - parts[0]);
        for (const amount of parts) {
          await stripe.refunds.create({ payment_intent: intent, amount });
          purchase.refunded += amount;
          refundsMade++;
        }
      }
    });
    const bought = Date.now();
    await fake.waitForDeliveries(sized({ ci: 60_000, full: 600_000 }));
    // Redeliver a sample of every event once more, after the fact.
    for (const event of rng.shuffle(fake.events.filter((e) => e.type === 'checkout.session.completed' || e.type === 'charge.refunded')).slice(0, 20)) fake.redeliver(event.id);
    await fake.waitForDeliveries(sized({ ci: 60_000, full: 600_000 }));

    const purchaseRows: { id: string; n: number }[] = await a.dataSource.query('SELECT id, COUNT(*)::int AS n FROM payments_purchases GROUP BY id');
    const refundRows: { n: number }[] = await a.dataSource.query('SELECT COUNT(*)::int AS n FROM payments_credit_refunds');
    const buckets: { purchase_id: string; remaining: number }[] = await a.dataSource.query('SELECT purchase_id, remaining FROM payments_credit_buckets');
    const remainingOf = new Map(buckets.map((r) => [r.purchase_id, Number(r.remaining)]));
    const granted = new Set(purchaseRows.map((r) => r.id));
    let lost = 0;
    let wrongUnits = 0;
    let expectedUnits = 0;
    for (const p of purchases) {
      if (!granted.has(p.sessionId)) lost++;
      const units = UNITS * p.quantity;
      const expected = units - (p.refunded >= p.paid ? units : Math.floor((units * p.refunded) / p.paid));
      expectedUnits += expected;
      if (remainingOf.get(p.sessionId) !== expected) wrongUnits++;
    }
    const grantedTwice = purchaseRows.filter((r) => r.n !== 1).length + Math.max(0, buckets.length - purchases.length);
    const grantedUnits = [...remainingOf.values()].reduce((s, n) => s + n, 0);

    const drained = Date.now();
    // Concurrent consumption over both instances: more asked than there is, in random sizes.
    const usage = [a.app.get(UsageService), b.app.get(UsageService)];
    const before = new Map<number, number>();
    for (const p of purchases) before.set(p.user, (before.get(p.user) ?? 0) + (remainingOf.get(p.sessionId) ?? 0));
    const admitted = new Map<number, number>();
    const shots = users.flatMap((u) => Array.from({ length: sized({ ci: 30, full: 150 }) }, () => ({ user: u.id, quantity: rng.int(1, 40) })));
    await pool(32, shots.length, async (n) => {
      const shot = shots[n];
      try {
        await usage[n % 2].consume(shot.user, 'api_calls', shot.quantity, n % 4 === 0 ? `r21-${n}` : null);
        admitted.set(shot.user, (admitted.get(shot.user) ?? 0) + shot.quantity);
      } catch (error) {
        if ((error as { code?: string }).code !== 'usage_limit_exceeded') throw error;
      }
    });
    const after: { billable_id: string; remaining: number; negative: number }[] = await a.dataSource.query(
      'SELECT billable_id, SUM(remaining)::int AS remaining, SUM(CASE WHEN remaining < 0 THEN 1 ELSE 0 END)::int AS negative FROM payments_credit_buckets GROUP BY billable_id',
    );
    const counters: { billable_id: string; used: number }[] = await a.dataSource.query("SELECT billable_id, SUM(used)::int AS used FROM payments_usage_counters WHERE metric = 'api_calls' GROUP BY billable_id");
    const usedOf = new Map(counters.map((c) => [Number(c.billable_id), Number(c.used)]));
    let belowZero = 0;
    let bookMismatch = 0;
    let overSpent = 0;
    for (const row of after) {
      const user = Number(row.billable_id);
      belowZero += Number(row.negative);
      const spentCredits = (before.get(user) ?? 0) - Number(row.remaining);
      const used = usedOf.get(user) ?? 0;
      if (used + spentCredits !== (admitted.get(user) ?? 0)) bookMismatch++;
      if (used > FREE_ALLOWANCE || spentCredits > (before.get(user) ?? 0)) overSpent++;
    }
    report('R21', 'purchases', {
      purchases: purchases.length, refunds: refundsMade, statusCalls, lost, grantedTwice, wrongUnits, expectedUnits, grantedUnits,
      refundRows: refundRows[0].n, consumeCalls: shots.length, belowZero, overSpent, bookMismatch,
      secondsBoot: seconds(started, booted), secondsBuy: seconds(booted, bought), secondsDrain: seconds(bought, drained), secondsConsume: seconds(drained, Date.now()),
    }, started);
    if (lost || grantedTwice || wrongUnits || grantedUnits !== expectedUnits || refundRows[0].n !== refundsMade || belowZero || overSpent || bookMismatch) {
      throw new Error(`R21: lost=${lost} grantedTwice=${grantedTwice} wrongUnits=${wrongUnits} granted=${grantedUnits}/${expectedUnits} refunds=${refundRows[0].n}/${refundsMade} belowZero=${belowZero} overSpent=${overSpent} bookMismatch=${bookMismatch}`);
    }
  } finally {
    await b.close();
    await a.close();
    await fake.stop();
    await db.drop();
  }
}

const seconds = (from: number, to: number): number => Math.round((to - from) / 100) / 10;
