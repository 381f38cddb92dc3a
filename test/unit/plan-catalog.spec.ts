import { PlanCatalog } from '../../lib';
import { testPlans } from '../support/test-plans';

describe('PlanCatalog', () => {
  const catalog = new PlanCatalog(testPlans);

  it('lists plans in declaration order with ranks', () => {
    expect(catalog.list().map((p) => [p.key, p.rank])).toEqual([
      ['free', 0],
      ['pro', 1],
      ['enterprise', 2],
    ]);
    expect(catalog.rank('enterprise')).toBeGreaterThan(catalog.rank('pro'));
    expect(catalog.rank('nope')).toBe(-1);
    expect(catalog.rank(null)).toBe(-1);
  });

  it.each([
    ['price_pro_month', 'pro', 'month'],
    ['price_pro_year', 'pro', 'year'],
    ['price_enterprise_month', 'enterprise', 'month'],
  ])('finds the plan of %s', (price, plan, interval) => {
    expect(catalog.byPriceId(price)).toMatchObject({ plan: { key: plan }, interval });
  });

  it('knows nothing of foreign prices', () => {
    expect(catalog.byPriceId('price_other')).toBeUndefined();
    expect(catalog.byPriceId(null)).toBeUndefined();
  });

  it('picks prices by interval, defaulting to the monthly or only price', () => {
    expect(catalog.priceFor('pro')).toBe('price_pro_month');
    expect(catalog.priceFor('pro', 'year')).toBe('price_pro_year');
    expect(catalog.priceFor('pro', 'week')).toBeUndefined();
    expect(catalog.priceFor('enterprise')).toBe('price_enterprise_month');
    expect(catalog.priceFor('free')).toBeUndefined();
    expect(new PlanCatalog({ y: { name: 'Y', prices: { year: 'price_y' } } }).priceFor('y')).toBe('price_y');
  });

  it('treats the first plan without a price as the free default', () => {
    expect(catalog.freePlan()?.key).toBe('free');
    expect(catalog.get('free')?.free).toBe(true);
    expect(catalog.get('pro')?.free).toBe(false);
    expect(new PlanCatalog({ pro: { name: 'Pro', priceId: 'price_p' } }).freePlan()).toBeUndefined();
  });

  it('answers features and limits, falling back to the free plan', () => {
    expect(catalog.features('pro')).toEqual(['basic', 'advanced_exports']);
    expect(catalog.features(null)).toEqual(['basic']);
    expect(catalog.features('gone')).toEqual(['basic']);
    expect(catalog.limits('enterprise')).toEqual({ api_calls: -1, exports: -1 });
    expect(catalog.limits(null)).toEqual({ api_calls: 5, exports: 0 });
  });

  it('finds the plans that grant a feature and the metrics it knows', () => {
    expect(catalog.plansWithFeature('advanced_exports')).toEqual(['pro', 'enterprise']);
    expect(catalog.plansWithFeature('sso')).toEqual(['enterprise']);
    expect(catalog.knowsFeature('teleport')).toBe(false);
    expect(catalog.knowsLimit('api_calls')).toBe(true);
    expect(catalog.knowsLimit('seats')).toBe(false);
  });
});
