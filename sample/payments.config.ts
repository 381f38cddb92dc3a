import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { PaymentsModuleOptions } from 'nestjs-headless-payments';
import { FakeStripe } from 'nestjs-headless-payments/testing';
import { plans } from './plans';
import { products } from './products';
import { User } from './user.entity';

const logger = new Logger('Sample');

/** Where the sample listens; the FakeStripe delivers webhooks here. */
export const samplePort = () => Number(process.env.PORT ?? 3000);
export const sampleOrigin = () => process.env.APP_ORIGIN ?? `http://localhost:${samplePort()}`;

/** The sample's billing set-up, whichever Stripe it talks to (the bench reuses it). */
export function sampleBillingOptions(origin: string) {
  return {
    plans,
    products,
    billableEntity: User,
    urls: {
      success: `${origin}/?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
      cancel: `${origin}/?checkout=cancelled`,
      portalReturn: `${origin}/`,
    },
    allowImmediateCancel: true,
    // Seat changes reach Stripe after this many seconds (changes made meanwhile join them); short for the demo.
    seats: { coalesceSeconds: Number(process.env.SAMPLE_SEAT_COALESCE_SECONDS ?? 5) },
  } satisfies Partial<PaymentsModuleOptions>;
}

/**
 * With STRIPE_SECRET_KEY set, the sample talks to Stripe. Without it, it starts the package's
 * FakeStripe on loopback: prices, hosted checkout and portal pages and signed webhooks, offline,
 * signed with a random secret per start (or STRIPE_WEBHOOK_SECRET when set).
 */
export async function paymentsOptions(): Promise<PaymentsModuleOptions> {
  const common = sampleBillingOptions(sampleOrigin());
  if (process.env.STRIPE_SECRET_KEY) {
    return { ...common, secretKey: process.env.STRIPE_SECRET_KEY, webhookSecret: process.env.STRIPE_WEBHOOK_SECRET };
  }
  // A fixed secret would let anyone who read this file sign events for a running sample: a fresh
  // one per start, unless STRIPE_WEBHOOK_SECRET names one (e.g. to send signed events by hand).
  const webhookSecret = process.env.STRIPE_WEBHOOK_SECRET || `whsec_${randomBytes(24).toString('hex')}`;
  const fake = await FakeStripe.start({ seed: Number(process.env.FAKE_STRIPE_SEED ?? 1), webhookSecret });
  fake.createPrice({ id: 'price_sample_pro_month', unitAmount: 1500, interval: 'month', productName: 'Pro' });
  fake.createPrice({ id: 'price_sample_pro_year', unitAmount: 15000, interval: 'year', productName: 'Pro' });
  fake.createPrice({ id: 'price_sample_team_month', unitAmount: 4900, interval: 'month', productName: 'Team' });
  fake.createPrice({ id: 'price_sample_credits_1000', unitAmount: 1000, productName: '1,000 API calls' });
  fake.addWebhookEndpoint(`http://127.0.0.1:${samplePort()}/api/payments/webhook`);
  logger.log(`No STRIPE_SECRET_KEY: using the built-in FakeStripe at ${fake.url}`);
  return { ...common, secretKey: fake.secretKey, webhookSecret: fake.webhookSecret, stripeClientOptions: fake.stripeConfig() };
}
