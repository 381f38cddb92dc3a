import { PaymentsModuleOptions, ProductCatalog } from '../../lib';
import { PaymentsConfigError, resolvePaymentsOptions } from '../../lib/payments-options.validator';
import { TestUser } from '../support/test-user.entity';

const valid: PaymentsModuleOptions = {
  secretKey: 'sk_test_123',
  webhookSecret: 'whsec_abc',
  plans: { free: { name: 'Free', limits: { api_calls: 5 } }, pro: { name: 'Pro', priceId: 'price_pro', limits: { api_calls: 100 } } },
  billableEntity: TestUser,
  products: {
    credits: { name: 'Credits', priceId: 'price_credits', grants: { api_calls: 1000 }, expiresInDays: 30 },
    lifetime: { name: 'Pro for life', priceId: 'price_life', grantsPlan: 'pro' },
  },
};

const start = (products: unknown) => () => resolvePaymentsOptions({ ...valid, products: products as PaymentsModuleOptions['products'] });

describe('products option', () => {
  it('accepts products that grant known metrics or plans, and catalogues them with their defaults', () => {
    expect(start(valid.products)).not.toThrow();
    expect(start(undefined)).not.toThrow();
    const catalog = new ProductCatalog(valid.products);
    expect(catalog.get('credits')).toMatchObject({ grants: { api_calls: 1000 }, expiresInDays: 30, grantsPlan: null, maxQuantity: 100 });
    expect(catalog.get('lifetime')).toMatchObject({ grants: {}, grantsPlan: 'pro', maxQuantity: 1 });
    expect(catalog.byPriceId('price_credits')?.key).toBe('credits');
    expect(catalog.grantsMetric('api_calls')).toBe(true);
    expect(catalog.grantsMetric('exports')).toBe(false);
  });

  it.each([
    [{ c: { name: 'C', priceId: 'price_c', grants: { exports: 10 } } }, "product 'c' grants 'exports', a metric no plan has; add 'exports' to the limits of your plans (known: api_calls)."],
    [{ c: { name: 'C', priceId: 'price_c', grantsPlan: 'gold' } }, "product 'c' grants plan 'gold', which is not in the plans (known: free, pro)."],
    [{ c: { name: 'C', priceId: 'price_pro', grants: { api_calls: 1 } } }, "product 'c' uses price price_pro, which another plan or product sells; give each product its own one-time price."],
    [{ c: { name: 'C', priceId: 'price_c' } }, "product 'c' grants nothing; give it grants: { <metric>: <units> } or grantsPlan: '<plan key>'."],
    [{ c: { name: 'C', priceId: 'prod_c', grants: { api_calls: 1 } } }, "product 'c' needs the priceId of a one-time Stripe price (price_...)."],
    [{ c: { name: 'C', priceId: 'price_c', grants: { api_calls: 0 } } }, "product 'c' must grant a whole number of api_calls units from 1, not 0."],
    [{ c: { name: 'C', priceId: 'price_c', grants: { api_calls: 1 }, expiresInDays: 0 } }, "product 'c' expiresInDays must be a whole number of days from 1."],
    [{ c: { name: 'C', priceId: 'price_c', grants: { api_calls: 1 }, maxQuantity: 5000 } }, "product 'c' maxQuantity must be a whole number from 1 to 1000."],
    [{ 'bad key!': { name: 'C', priceId: 'price_c', grants: { api_calls: 1 } } }, "product key 'bad key!' must be 1 to 64 letters, digits, - or _."],
    [['credits'], 'products must be an object of product key -> { name, priceId, grants | grantsPlan }.'],
  ])('refuses %j at start-up with one sentence', (products, sentence) => {
    expect(start(products)).toThrow(PaymentsConfigError);
    expect(start(products)).toThrow(`nestjs-headless-payments: ${sentence}`);
  });

  it.each([
    [{ api_calls: { below: 5, product: 'lifetime' } }, "autoTopUp.api_calls buys 'lifetime', which grants no api_calls; pick a product that grants it."],
    [{ api_calls: { below: 5, product: 'nope' } }, "autoTopUp.api_calls.product 'nope' is not in the products (known: credits, lifetime)."],
    [{ api_calls: { below: 0, product: 'credits' } }, 'autoTopUp.api_calls.below must be a whole number of units from 1, not 0.'],
  ])('refuses the autoTopUp rule %j at start-up with one sentence', (autoTopUp, sentence) => {
    const run = () => resolvePaymentsOptions({ ...valid, autoTopUp: autoTopUp as PaymentsModuleOptions['autoTopUp'] });
    expect(run).toThrow(`nestjs-headless-payments: ${sentence}`);
  });

  it('accepts a rule for a product that grants the metric', () => {
    expect(() => resolvePaymentsOptions({ ...valid, autoTopUp: { api_calls: { below: 50, product: 'credits' } } })).not.toThrow();
  });
});
