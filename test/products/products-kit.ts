import { defineProducts } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { TestApp } from '../support/test-app';
import { TestDatabase } from '../support/test-databases';
import { call } from '../billing/billing-kit';

/** The one-time products the products tests sell (api_calls is in the test plans' limits). */
export const testProducts = defineProducts({
  credits_100: { name: '100 API calls', priceId: 'price_credits_100', grants: { api_calls: 100 }, maxQuantity: 5 },
  credits_week: { name: '50 API calls for a week', priceId: 'price_credits_week', grants: { api_calls: 50 }, expiresInDays: 7 },
  lifetime: { name: 'Pro for life', priceId: 'price_lifetime_pro', grantsPlan: 'pro' },
});

/** One-time prices matching `testProducts`. */
export function createProductPrices(fake: FakeStripe): void {
  fake.createPrice({ id: 'price_credits_100', unitAmount: 500, productName: 'Credits 100' });
  fake.createPrice({ id: 'price_credits_week', unitAmount: 300, productName: 'Credits week' });
  fake.createPrice({ id: 'price_lifetime_pro', unitAmount: 29900, productName: 'Pro for life' });
}

/** Buys `quantity` of a product through the routes and the fake's checkout page; the session id. */
export async function buy(app: TestApp, fake: FakeStripe, user: number, product: string, quantity?: number): Promise<string> {
  const checkout = await call(app, 'POST', 'checkout', { user, body: { product, ...(quantity === undefined ? {} : { quantity }) } });
  if (checkout.status !== 200) throw new Error(`checkout answered ${checkout.status} ${JSON.stringify(checkout.body)}`);
  const paid = await fake.completeCheckout(checkout.body.sessionId);
  if (paid.error) throw new Error(`payment failed: ${paid.error}`);
  return checkout.body.sessionId;
}

/** Rows of the module's credit tables for a billable, read straight from the database. */
export async function creditRows(app: TestApp, db: TestDatabase, billableId: number) {
  const q = (sql: string) => app.dataSource.query(sql.replace(/\$1/g, db.kind === 'postgres' ? '$1' : '?'), [String(billableId)]);
  const purchases = await q('SELECT id, quantity, amount_paid, refunded_amount, status, plan FROM payments_purchases WHERE billable_id = $1');
  const buckets = await q('SELECT id, metric, purchase_id, granted, remaining, refunded_units FROM payments_credit_buckets WHERE billable_id = $1 ORDER BY id');
  return {
    purchases: purchases.map((r: any) => ({ ...r, quantity: Number(r.quantity), amount_paid: Number(r.amount_paid), refunded_amount: Number(r.refunded_amount) })),
    buckets: buckets.map((r: any) => ({ ...r, granted: Number(r.granted), remaining: Number(r.remaining), refunded_units: Number(r.refunded_units) })),
  };
}

/** Credits recorded against one keyed use (what releasing its key gives back). */
export async function creditsSpentByKey(app: TestApp, db: TestDatabase, billableId: number, key: string): Promise<number> {
  const p = (n: number) => (db.kind === 'postgres' ? `$${n}` : '?');
  const rows = await app.dataSource.query(
    `SELECT COALESCE(SUM(s.quantity), 0) AS units FROM payments_credit_spends s JOIN payments_usage_records r ON r.id = s.record_id WHERE r.billable_id = ${p(1)} AND r.idempotency_key = ${p(2)}`,
    [String(billableId), key],
  );
  return Number(rows[0].units);
}
