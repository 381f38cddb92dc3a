import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { PaymentsException } from '../common/payments.exception';
import { PAYMENTS_OPTIONS, STRIPE_CLIENT } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { IdempotencyIntent, idempotencyKeyFor } from './idempotency-key';
import { describeStripeError, isStripeError, mapStripeError } from './stripe-error.mapper';

/**
 * Every Stripe call of the module goes through here: one place for idempotency keys, the timeout
 * (set on the client), and mapping Stripe's errors to clean HTTP errors with no Stripe text.
 */
@Injectable()
export class StripeGateway {
  private readonly logger = new Logger('Payments:Stripe');

  constructor(
    @Inject(STRIPE_CLIENT) readonly stripe: Stripe,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  /** The idempotency key of an intent within the configured window. */
  idempotencyKey(intent: IdempotencyIntent, now?: Date): string {
    return idempotencyKeyFor(intent, this.options.idempotencyWindowSeconds, now);
  }

  /**
   * Runs one Stripe call. Stripe errors become `PaymentsException`s (503 when Stripe is down or
   * rate-limited, 402 for card errors, 400 for invalid requests) and are logged without messages.
   */
  async call<T>(operation: string, fn: (stripe: Stripe) => Promise<T>): Promise<T> {
    try {
      return await fn(this.stripe);
    } catch (error) {
      if (error instanceof PaymentsException) throw error;
      if (!isStripeError(error)) throw error;
      const mapped = mapStripeError(error);
      const line = `${operation} failed: ${describeStripeError(error)} -> ${mapped.getStatus()} ${mapped.code}`;
      if (mapped.getStatus() >= 500) this.logger.warn(line);
      else this.logger.log(line);
      throw mapped;
    }
  }

  /** Like `call`, for reads where a missing object is an answer (null) rather than an error. */
  async find<T>(operation: string, fn: (stripe: Stripe) => Promise<T>): Promise<T | null> {
    try {
      return await fn(this.stripe);
    } catch (error) {
      if ((error as { code?: string; statusCode?: number })?.statusCode === 404) return null;
      return this.call(operation, () => Promise.reject(error));
    }
  }
}
