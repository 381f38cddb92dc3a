import { definePlans } from 'nestjs-headless-payments';

/** Price ids: from the environment with real Stripe keys, fixed ids on the built-in FakeStripe. */
const price = (name: string, fallback: string) => process.env[name] ?? fallback;

export const plans = definePlans({
  free: { name: 'Free', description: 'Try it out', features: ['basic'], limits: { api_calls: 5 } },
  pro: {
    name: 'Pro',
    description: 'For professionals',
    prices: { month: price('STRIPE_PRICE_PRO_MONTH', 'price_sample_pro_month'), year: price('STRIPE_PRICE_PRO_YEAR', 'price_sample_pro_year') },
    features: ['basic', 'advanced_exports'],
    limits: { api_calls: 20 },
    trialDays: 14,
  },
  team: {
    name: 'Team',
    description: 'For teams, per seat',
    // The price is per seat (a per-unit Stripe price): checkout buys 1 to 50 of them.
    priceId: price('STRIPE_PRICE_TEAM_MONTH', 'price_sample_team_month'),
    seats: { min: 1, max: 50 },
    features: ['basic', 'advanced_exports', 'sso'],
    limits: { api_calls: -1 },
  },
});

/** The sample's plan keys, features and limits are typed in the decorators. */
declare module 'nestjs-headless-payments' {
  interface PaymentsRegister {
    plans: typeof plans;
  }
}
