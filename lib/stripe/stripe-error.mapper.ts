import { PaymentsException } from '../common/payments.exception';

interface StripeLikeError {
  type?: string;
  rawType?: string;
  code?: string;
  statusCode?: number;
  requestId?: string;
  decline_code?: string;
}

/** Error types from the stripe SDK that mean "Stripe is unreachable or busy: try again later". */
const UNAVAILABLE = new Set(['StripeAPIError', 'StripeConnectionError', 'StripeRateLimitError']);

/**
 * Maps an error from the stripe SDK to a clean HTTP error. Stripe's own message is never passed on:
 * it can name parameters, ids or (for auth errors) part of the key.
 */
export function mapStripeError(error: unknown): PaymentsException {
  const e = (error ?? {}) as StripeLikeError;
  if (e.type && UNAVAILABLE.has(e.type)) {
    return new PaymentsException(503, 'stripe_unavailable', 'The payment provider is unavailable right now; please try again in a moment.');
  }
  if (e.type === 'StripeInvalidRequestError' && (e.statusCode ?? 0) >= 500) {
    return new PaymentsException(503, 'stripe_unavailable', 'The payment provider is unavailable right now; please try again in a moment.');
  }
  switch (e.type) {
    case 'StripeCardError':
      return new PaymentsException(402, 'payment_failed', 'The payment was declined; please use another payment method.', {
        declineCode: e.decline_code ?? e.code ?? null,
      });
    case 'StripeIdempotencyError':
      return new PaymentsException(409, 'idempotency_conflict', 'A different request with the same idempotency key is already in progress.');
    case 'StripeInvalidRequestError':
      return new PaymentsException(400, 'invalid_request', 'The payment provider rejected the request.');
    default:
      return new PaymentsException(502, 'stripe_error', 'The payment provider could not complete the request.');
  }
}

/** A log-safe one-line description of a Stripe error: type, code, status and request id only. */
export function describeStripeError(error: unknown): string {
  const e = (error ?? {}) as StripeLikeError;
  const parts = [e.type ?? (error instanceof Error ? error.name : 'UnknownError')];
  if (e.code) parts.push(`code=${e.code}`);
  if (e.statusCode) parts.push(`status=${e.statusCode}`);
  if (e.requestId) parts.push(`request=${e.requestId}`);
  return parts.join(' ');
}

/** True for errors of the stripe SDK (they carry a `type` starting with "Stripe"). */
export function isStripeError(error: unknown): boolean {
  return typeof (error as StripeLikeError)?.type === 'string' && (error as StripeLikeError).type!.startsWith('Stripe');
}
