import Stripe from 'stripe';
import { PaymentsConfigError } from '../payments-options.validator';
import { ResolvedPaymentsOptions } from '../payments.options';

const PACKAGE_VERSION = '0.1.0';

/** The API version the package is written against: the installed `stripe` SDK's. */
export const SUPPORTED_API_VERSION: string = (Stripe as unknown as { API_VERSION: string }).API_VERSION;

/**
 * Builds the Stripe client: the API version pinned to the installed SDK's, a timeout a user can
 * wait for, and a few network retries (safe because every POST carries an idempotency key).
 * A client given ready-made (or options that pin another version) must use that same version:
 * older versions put fields elsewhere (e.g. the billing period on the subscription before
 * 2025-03-31), so the package would read undefined where it expects a date.
 */
export function createStripeClient(options: ResolvedPaymentsOptions): Stripe {
  const client =
    options.stripeClient ??
    new Stripe(options.secretKey as string, {
      apiVersion: SUPPORTED_API_VERSION as never,
      timeout: options.stripeTimeoutMs,
      maxNetworkRetries: options.stripeMaxNetworkRetries,
      appInfo: { name: 'nestjs-headless-payments', version: PACKAGE_VERSION },
      ...options.stripeClientOptions,
    });
  assertSupportedApiVersion(client);
  return client;
}

/** Stops start-up with one sentence when the client is pinned to another API version. */
export function assertSupportedApiVersion(client: Stripe): void {
  const pinned = clientApiVersion(client);
  if (pinned !== null && pinned !== SUPPORTED_API_VERSION) {
    throw new PaymentsConfigError(
      `nestjs-headless-payments: the Stripe client uses API version ${pinned} but this package supports ${SUPPORTED_API_VERSION}; create it with new Stripe(key, { apiVersion: '${SUPPORTED_API_VERSION}' }) (or leave apiVersion unset).`,
    );
  }
}

/** The version a client sends as `Stripe-Version` (stripe-node keeps it as its `version` field). */
export function clientApiVersion(client: Stripe): string | null {
  const getter = (client as unknown as { getApiField?: (key: string) => unknown }).getApiField;
  const version = typeof getter === 'function' ? getter.call(client, 'version') : undefined;
  return typeof version === 'string' && version ? version : null;
}
