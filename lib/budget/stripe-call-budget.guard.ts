import { CanActivate, ExecutionContext, Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { httpRequest, requireBillableId } from '../common/billable-id';
import { PaymentsException } from '../common/payments.exception';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { STRIPE_CALL_COST_KEY } from './stripe-call-cost.decorator';

/** The throttler name (and key prefix) of the budget, apart from any throttler the app runs itself. */
export const STRIPE_CALL_BUDGET_NAME = 'nhp-stripe-calls';

/**
 * Bounds the Stripe calls one billable can cause on the module's routes (issue 10, item 7), so one
 * user cannot spend the account's Stripe rate limit for everyone. Counting is @nestjs/throttler's:
 * a `ThrottlerStorage` keyed by the billable (not the IP), in memory per instance by default or the
 * app's shared storage for one budget across instances. Routes without `@StripeCallCost` are free.
 */
@Injectable()
export class StripeCallBudgetGuard implements CanActivate, OnApplicationShutdown {
  private readonly storage: ThrottlerStorage | null;
  /** The in-memory storage this guard made itself (an app's own storage is the app's to shut down). */
  private readonly ownStorage: ThrottlerStorageService | null;

  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly reflector: Reflector,
  ) {
    const budget = options.stripeCallBudget;
    this.ownStorage = budget && !budget.storage ? new ThrottlerStorageService() : null;
    this.storage = budget ? (budget.storage ?? this.ownStorage) : null;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const budget = this.options.stripeCallBudget;
    const cost = this.reflector.get<number | undefined>(STRIPE_CALL_COST_KEY, context.getHandler());
    if (!budget || !this.storage || !cost) return true;
    const key = `${STRIPE_CALL_BUDGET_NAME}:${requireBillableId(this.options, httpRequest(context))}`;
    // One hit per call the route may make: the storage interface counts hits, not weights.
    for (let call = 0; call < cost; call++) {
      // blockDuration 0: a sliding window that frees calls as they age, rather than a lock-out.
      const record = await this.storage.increment(key, budget.ttlMs, budget.limit, 0, STRIPE_CALL_BUDGET_NAME);
      if (record.isBlocked || record.totalHits > budget.limit) this.refuse(context, Math.max(1, record.timeToBlockExpire || record.timeToExpire));
    }
    return true;
  }

  onApplicationShutdown(): void {
    this.ownStorage?.onApplicationShutdown();
  }

  private refuse(context: ExecutionContext, retryAfterSeconds: number): never {
    const res = context.switchToHttp().getResponse();
    // Express and Fastify both: `header` on either, `setHeader` on a bare Node response.
    if (typeof res?.header === 'function') res.header('Retry-After', String(retryAfterSeconds));
    else if (typeof res?.setHeader === 'function') res.setHeader('Retry-After', String(retryAfterSeconds));
    throw new PaymentsException(429, 'too_many_requests', `Too many billing requests; try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
  }
}
