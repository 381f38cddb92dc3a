import { defineProducts } from 'nestjs-headless-payments';

/** Price ids: from the environment with real Stripe keys, fixed ids on the built-in FakeStripe. */
const price = (name: string, fallback: string) => process.env[name] ?? fallback;

/** One-time products: a pack of API calls, spent once a plan's monthly allowance is used up. */
export const products = defineProducts({
  credits_1000: {
    name: '1,000 API calls',
    description: 'Spent after your plan\'s allowance; never expire',
    priceId: price('STRIPE_PRICE_CREDITS_1000', 'price_sample_credits_1000'),
    grants: { api_calls: 1000 },
    maxQuantity: 10,
  },
});
