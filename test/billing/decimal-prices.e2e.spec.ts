import Stripe from 'stripe';
import { definePlans } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { call } from './billing-kit';

/** Prices defined by `unit_amount_decimal` only (sub-cent amounts) still show an amount in the catalogue. */
describe.each(testDatabases())('decimal prices in GET /plans on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;
  let fractional: Stripe.Price;
  let whole: Stripe.Price;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1111 });
    const stripe = fake.client();
    // As a user creates them: through the SDK, which sends the decimal as a string.
    fractional = await stripe.prices.create({
      currency: 'usd', unit_amount_decimal: Stripe.Decimal.from('1234.5'), recurring: { interval: 'month' }, product_data: { name: 'Metered' },
    });
    whole = await stripe.prices.create({
      currency: 'usd', unit_amount_decimal: Stripe.Decimal.from('15000.00'), recurring: { interval: 'year' }, product: fractional.product as string,
    });
    const plans = definePlans({
      free: { name: 'Free', features: ['basic'], limits: { api_calls: 5, exports: 0 } },
      pro: { name: 'Pro', prices: { month: fractional.id, year: whole.id }, features: ['basic', 'advanced_exports'], limits: { api_calls: 100, exports: 10 } },
      enterprise: { name: 'Enterprise', priceId: 'price_enterprise_month', features: ['basic', 'advanced_exports', 'sso'], limits: { api_calls: -1, exports: -1 } },
    });
    app = await startTestApp({ db, fake, payments: { plans: plans as never } });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  it('the fake keeps Stripe\'s shape: unit_amount only when the decimal is a whole number of cents', () => {
    expect(fractional.unit_amount).toBeNull();
    expect(String(fractional.unit_amount_decimal)).toBe('1234.5');
    expect(whole.unit_amount).toBe(15000);
    expect(String(whole.unit_amount_decimal)).toBe('15000');
  });

  it('shows the decimal amount (in cents, with its fraction) instead of null', async () => {
    const res = await call(app, 'GET', 'plans');
    expect(res.status).toBe(200);
    const pro = res.body.plans.find((p: { key: string }) => p.key === 'pro');
    expect(pro.prices).toEqual([
      { interval: 'month', amount: 1234.5, currency: 'usd' },
      { interval: 'year', amount: 15000, currency: 'usd' },
    ]);
  });

  it('bills a decimal price rounded to the cent, as Stripe\'s invoices do', async () => {
    const stripe = fake.client();
    const customer = await stripe.customers.create({ email: 'decimal@example.com' });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: fractional.id, quantity: 3 }], expand: ['latest_invoice'] });
    expect((sub.latest_invoice as Stripe.Invoice).amount_due).toBe(3704);
  });
});
