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
    const cost = this.reflector.get<number | undefined>(STRIPE_CALL_COST_KEY, context.getHandler());
    if (!this.options.stripeCallBudget || !this.storage || !cost) return true;
    const retryAfter = await this.charge(requireBillableId(this.options, httpRequest(context)), cost);
    if (retryAfter !== null) this.refuse(context, retryAfter);
    return true;
  }

  /**
   * Charges calls a route makes only sometimes (a lookup its answer can do without) to the billable's
   * budget: false, and the lookup is to be skipped, once the budget is spent. True without a budget.
   */
  async tryCharge(billableId: string, calls: number): Promise<boolean> {
    return (await this.charge(billableId, calls)) === null;
  }

  /** Counts `cost` calls; the seconds until the budget frees one when it is spent, else null. */
  private async charge(billableId: string, cost: number): Promise<number | null> {
    const budget = this.options.stripeCallBudget;
    if (!budget || !this.storage) return null;
    const key = `${STRIPE_CALL_BUDGET_NAME}:${billableId}`;
    // One hit per call the route may make: the storage interface counts hits, not weights.
    for (let call = 0; call < cost; call++) {
      // blockDuration 0: a sliding window that frees calls as they age, rather than a lock-out.
      const record = await this.storage.increment(key, budget.ttlMs, budget.limit, 0, STRIPE_CALL_BUDGET_NAME);
      if (record.isBlocked || record.totalHits > budget.limit) return Math.max(1, record.timeToBlockExpire || record.timeToExpire);
    }
    return null;
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
