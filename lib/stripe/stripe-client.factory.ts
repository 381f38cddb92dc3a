import Stripe from 'stripe';
import { ResolvedPaymentsOptions } from '../payments.options';

const PACKAGE_VERSION = '0.1.0';

/**
 * Builds the Stripe client: the API version pinned to the installed SDK's, a timeout a user can
 * wait for, and a few network retries (safe because every POST carries an idempotency key).
 */
export function createStripeClient(options: ResolvedPaymentsOptions): Stripe {
  if (options.stripeClient) return options.stripeClient;
  return new Stripe(options.secretKey as string, {
    apiVersion: (Stripe as unknown as { API_VERSION: string }).API_VERSION as never,
    timeout: options.stripeTimeoutMs,
    maxNetworkRetries: options.stripeMaxNetworkRetries,
    appInfo: { name: 'nestjs-headless-payments', version: PACKAGE_VERSION },
    ...options.stripeClientOptions,
  });
}
