import { definePlans } from '../../lib';

/** The plans the tests use; the FakeStripe is seeded with these price ids. */
export const testPlans = definePlans({
  free: { name: 'Free', features: ['basic'], limits: { api_calls: 5, exports: 0 } },
  pro: {
    name: 'Pro',
    prices: { month: 'price_pro_month', year: 'price_pro_year' },
    features: ['basic', 'advanced_exports'],
    limits: { api_calls: 100, exports: 10 },
    trialDays: 14,
  },
  enterprise: {
    name: 'Enterprise',
    priceId: 'price_enterprise_month',
    features: ['basic', 'advanced_exports', 'sso'],
    limits: { api_calls: -1, exports: -1 },
  },
});

/** Prices matching `testPlans`, for FakeStripe.createPrice. */
export const testPrices = [
  { id: 'price_pro_month', unitAmount: 1500, interval: 'month' as const, productName: 'Pro' },
  { id: 'price_pro_year', unitAmount: 15000, interval: 'year' as const, productName: 'Pro' },
  { id: 'price_enterprise_month', unitAmount: 9900, interval: 'month' as const, productName: 'Enterprise' },
];

/** The tests' catalogue is the registered one, as an app registers its own: decorators are typed by it. */
declare module '../../lib/plans/plan.types' {
  interface PaymentsRegister {
    plans: typeof testPlans;
  }
}
