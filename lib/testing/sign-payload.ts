import { createHmac } from 'node:crypto';

/**
 * Builds a `Stripe-Signature` header value exactly as Stripe does:
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>`.
 * The timestamp defaults to the wall clock, because receivers check it against their own clock.
 */
export function signStripePayload(payload: string, secret: string, timestamp?: number): string {
  const t = timestamp ?? Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${payload}`, 'utf8').digest('hex');
  return `t=${t},v1=${v1}`;
}
