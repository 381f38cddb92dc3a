import { Inject, Injectable, Logger } from '@nestjs/common';
import { BillableEntitlements, Entitlements } from '../access/entitlements.service';
import { PaymentsException } from '../common/payments.exception';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { PlanCatalog } from '../plans/plan-catalog';
import { AutoTopUp } from '../products/auto-top-up.service';
import { CreditBucketView, CreditsLedger } from './credits-ledger';
import { ALLOCATION_PERIOD, allocationMeter, AllocationMeter, allocationMetric } from './allocations';
import { MemberUsage, MemberUsageLedger } from './member-usage';
import { UsageLedger, UsageReservation, UsageResponse } from './usage-ledger';
import { secondsUntil, UsagePeriod, usagePeriod } from './usage-period';

/** One metric's meter for the current period. */
export interface UsageMeter {
  metric: string;
  used: number;
  /** The plan's limit; -1 is unlimited, 0 means the plan does not include the metric. */
  limit: number;
  /** Units left (never below 0); null when unlimited. */
  remaining: number | null;
  unlimited: boolean;
  /** When the period ends and the count starts again. */
  resetsAt: Date;
  /** Purchased units left (spent once the allowance is used up); only for a metric some product sells. */
  creditsRemaining?: number;
  /** The purchased buckets with units left, in spending order (oldest expiry first); only for a metric some product sells. */
  credits?: CreditBucketView[];
  /** For a metric the plan bills by usage: its meter, the units included and the billable overage so far. */
  metered?: { meter: string; priceId: string; included: number; overage: number };
}

/** The answer of `check`: whether `quantity` more units fit, and the meter. */
export interface UsageCheck extends UsageMeter {
  allowed: boolean;
}

const MAX_QUANTITY = 1_000_000;

/**
 * Usage counting for code paths without a route decorator (jobs, websockets) and for the
 * `@TrackUsage` interceptor: check, consume (reserve + commit), reserve/commit/release, getUsage.
 */
@Injectable()
export class UsageService {
  private readonly logger = new Logger('Payments:Usage');
  private readonly members: MemberUsageLedger;

  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly entitlements: Entitlements,
    private readonly catalog: PlanCatalog,
    private readonly ledger: UsageLedger,
    private readonly credits: CreditsLedger,
    private readonly topUps: AutoTopUp,
  ) {
    this.members = new MemberUsageLedger(ledger.transactions);
  }

  /** Whether `quantity` more units of `metric` fit in the billable's limit now; counts nothing. */
  async check(billableId: string | number, metric: string, quantity = 1): Promise<UsageCheck> {
    this.assertQuantity(quantity, 0);
    const { period, limit } = await this.context(String(billableId), metric);
    const used = await this.ledger.used(String(billableId), metric, period.start);
    const meter = await this.withCredits(String(billableId), this.meter(metric, used, limit, period));
    return { ...meter, allowed: limit < 0 || used + quantity <= limit + (meter.creditsRemaining ?? 0) };
  }

  /**
   * Holds `quantity` units, or throws 429 `usage_limit_exceeded` (with limit, used, resetsAt and
   * `retryAfterSeconds`). With an idempotency key, a repeat inside `usageIdempotency.windowSeconds`
   * counts nothing and comes back with `duplicate: true` and the first use's `replay`, even over
   * the limit; 409 `idempotency_key_in_use` while the first is still running, 422
   * `idempotency_key_mismatch` for another quantity.
   */
  async reserve(billableId: string | number, metric: string, quantity = 1, idempotencyKey?: string | null): Promise<UsageReservation> {
    this.assertQuantity(quantity, 1);
    const id = String(billableId);
    const { period, limit, meter } = await this.context(id, metric);
    const now = this.options.now();
    // A key may be a repeat, which the ledger answers even on a plan that lacks the metric now.
    if (limit === 0 && !idempotencyKey && !this.credits.sells(metric)) throw this.limitExceeded(metric, limit, await this.ledger.used(id, metric, period.start), period, now);
    const outcome = await this.ledger.reserve({ billableId: id, metric, quantity, limit, period, idempotencyKey, meter });
    if (!outcome.admitted) {
      this.topUps.afterUse(id, metric);
      throw this.limitExceeded(metric, limit, outcome.used, period, now);
    }
    if ((outcome.reservation.credits?.length ?? 0) > 0) this.topUps.afterUse(id, metric);
    return outcome.reservation;
  }

  /** Counts `quantity` units at once (reserve + commit), or throws 429 like `reserve`; a keyed repeat counts nothing (`duplicate: true`). */
  async consume(billableId: string | number, metric: string, quantity = 1, idempotencyKey?: string | null): Promise<UsageReservation> {
    const reservation = await this.reserve(billableId, metric, quantity, idempotencyKey);
    await this.ledger.commit(reservation);
    return reservation;
  }

  /**
   * Records usage from any code path (jobs, queues, websockets), as Stripe's meter events do:
   * counted at once and, on a metered plan, billed through its meter exactly once. A repeat of
   * `idempotencyKey` counts nothing (`duplicate: true`). 400 for a quantity that is not a whole
   * number from 1 to 1,000,000; 429 only for a metric with a hard limit.
   */
  record(billableId: string | number, metric: string, quantity: number, idempotencyKey?: string | null): Promise<UsageReservation> {
    return this.consume(billableId, metric, quantity, idempotencyKey);
  }

  /**
   * Confirms a reservation once the work succeeded; a keyed one keeps `response` for its repeats.
   * With `memberId`, the units are also attributed to that member (`GET /usage?by=member`).
   */
  async commit(reservation: UsageReservation, response?: UsageResponse, memberId?: string | number | null): Promise<void> {
    await this.ledger.commit(reservation, response);
    if (memberId === undefined || memberId === null || reservation.duplicate) return;
    const member = String(memberId);
    // A member who is the billable itself (one user, one account) says nothing the counter does not: no extra writes.
    if (member === '' || member.length > 64 || member === reservation.billableId) return;
    await this.members.add(reservation.billableId, reservation.metric, reservation.periodStart, member, reservation.quantity);
  }

  /** Each member's use of each metric in the billable's current period. */
  async getMemberUsage(billableId: string | number): Promise<MemberUsage[]> {
    return this.members.list(String(billableId), (await this.periodOf(billableId)).start);
  }

  /**
   * Gives units back: a reservation, or the use recorded under an idempotency key
   * (`{ billableId, metric, idempotencyKey }`). Returns false when there was nothing to release.
   */
  async release(target: UsageReservation | { billableId: string | number; metric: string; idempotencyKey: string }): Promise<boolean> {
    if ('counterId' in target) {
      await this.ledger.release(target);
      return !target.duplicate;
    }
    // Given back on the meter too when the metric is billed on the billable's plan.
    const meter = this.catalog.knowsLimit(target.metric) ? (await this.context(String(target.billableId), target.metric)).meter : null;
    return this.ledger.releaseByKey(String(target.billableId), target.metric, target.idempotencyKey, meter);
  }

  /** Every metric the plans name, with used, limit, remaining and reset time for the billable's current period. */
  async getUsage(billableId: string | number): Promise<UsageMeter[]> {
    const id = String(billableId);
    const now = this.options.now();
    const entitlements = await this.entitlements.forBillable(id, now);
    const period = usagePeriod(entitlements, now);
    const used = await this.ledger.usedIn(id, period.start);
    return Promise.all(
      this.metrics().map((metric) => {
        const meter = this.meter(metric, used.get(metric) ?? 0, this.limitOf(entitlements, metric), period);
        const billed = this.catalog.metered(entitlements.effectivePlan, metric);
        if (!billed) return this.withCredits(id, meter);
        const overage = Math.max(0, meter.used - billed.included);
        return this.withCredits(id, { ...meter, metered: { meter: billed.meter, priceId: billed.priceId, included: billed.included, overage } });
      }),
    );
  }

  /**
   * Holds `quantity` units of an allocation (a limit that never resets: projects, API keys), or
   * throws 403 `allocation_limit_reached`; exact under concurrency, as usage counting is.
   */
  async allocate(billableId: string | number, name: string, quantity = 1): Promise<AllocationMeter> {
    this.assertQuantity(quantity, 1);
    const id = String(billableId);
    const limit = await this.allocationLimit(id, name);
    const outcome = await this.ledger.reserve({ billableId: id, metric: allocationMetric(name), quantity, limit, period: ALLOCATION_PERIOD });
    if (!outcome.admitted) {
      const plans = this.catalog.list().filter((plan) => plan.allocations[name] !== undefined && (plan.allocations[name] < 0 || plan.allocations[name] > limit));
      throw new PaymentsException(403, 'allocation_limit_reached', `The ${name} limit of ${limit} is reached; free some or upgrade.`, {
        name,
        limit,
        used: outcome.used,
        plans: plans.map((plan) => plan.key),
      });
    }
    return allocationMeter(name, await this.ledger.used(id, allocationMetric(name), ALLOCATION_PERIOD.start), limit);
  }

  /** Gives `quantity` units of an allocation back (a project deleted); false when fewer were held. */
  async free(billableId: string | number, name: string, quantity = 1): Promise<boolean> {
    this.assertQuantity(quantity, 1);
    await this.allocationLimit(String(billableId), name);
    return this.ledger.giveBack({ billableId: String(billableId), metric: allocationMetric(name), period: ALLOCATION_PERIOD }, quantity);
  }

  /** Every allocation the plans name, with held units and the billable's limit. */
  async getAllocations(billableId: string | number): Promise<AllocationMeter[]> {
    const id = String(billableId);
    const entitlements = await this.entitlements.forBillable(id, this.options.now());
    const limits = this.catalog.allocations(entitlements.effectivePlan);
    const used = await this.ledger.usedIn(id, ALLOCATION_PERIOD.start);
    const names = [...new Set(this.catalog.list().flatMap((plan) => Object.keys(plan.allocations)))];
    return names.map((name) => allocationMeter(name, used.get(allocationMetric(name)) ?? 0, limits[name] ?? 0));
  }

  private async allocationLimit(billableId: string, name: string): Promise<number> {
    if (!this.catalog.knowsAllocation(name)) {
      this.logger.error(`Allocation '${name}' is not in the allocations of any plan; add it to the plans (e.g. allocations: { ${name}: 10 }) or fix the name.`);
      throw new PaymentsException(500, 'unknown_metric', `Allocation '${name}' is not configured.`);
    }
    const entitlements = await this.entitlements.forBillable(billableId, this.options.now());
    return this.catalog.allocations(entitlements.effectivePlan)[name] ?? 0;
  }

  /** The period the billable's usage counts in now. */
  async periodOf(billableId: string | number): Promise<UsagePeriod> {
    const now = this.options.now();
    return usagePeriod(await this.entitlements.forBillable(String(billableId), now), now);
  }

  private async context(billableId: string, metric: string) {
    if (!this.catalog.knowsLimit(metric)) {
      this.logger.error(`Usage metric '${metric}' is not in the limits of any plan; add it to the plans (e.g. limits: { ${metric}: 100 }) or fix the name.`);
      throw new PaymentsException(500, 'unknown_metric', `Usage metric '${metric}' is not configured.`);
    }
    const now = this.options.now();
    const entitlements = await this.entitlements.forBillable(billableId, now);
    const meter = this.catalog.metered(entitlements.effectivePlan, metric)?.meter ?? null;
    return { entitlements, period: usagePeriod(entitlements, now), limit: this.limitOf(entitlements, metric), meter };
  }

  /** The plan's limit; a metric other plans name but this plan lacks has limit 0. */
  private limitOf(entitlements: BillableEntitlements, metric: string): number {
    return entitlements.limits[metric] ?? 0;
  }

  private metrics(): string[] {
    const names = new Set<string>();
    for (const plan of this.catalog.list()) [...Object.keys(plan.limits), ...Object.keys(plan.metered)].forEach((metric) => names.add(metric));
    return [...names];
  }

  private meter(metric: string, used: number, limit: number, period: UsagePeriod): UsageMeter {
    const unlimited = limit < 0;
    return { metric, used, limit, remaining: unlimited ? null : Math.max(0, limit - used), unlimited, resetsAt: period.end };
  }

  /** The meter with the billable's purchased buckets (no query for a metric no product sells). */
  private async withCredits(billableId: string, meter: UsageMeter): Promise<UsageMeter> {
    if (!this.credits.sells(meter.metric)) return meter;
    const credits = await this.credits.buckets(billableId, meter.metric);
    return { ...meter, credits, creditsRemaining: credits.reduce((sum, b) => sum + b.remaining, 0) };
  }

  private limitExceeded(metric: string, limit: number, used: number, period: UsagePeriod, now: Date): PaymentsException {
    // Plans with room for more: what the client can offer as an upgrade.
    const plans = this.catalog.list().filter((plan) => {
      const other = plan.limits[metric];
      return other !== undefined && (other < 0 || other > limit);
    });
    return new PaymentsException(429, 'usage_limit_exceeded', `The ${metric} limit of ${limit} for this period is reached.`, {
      metric,
      limit,
      used,
      remaining: Math.max(0, limit - used),
      resetsAt: period.end.toISOString(),
      retryAfterSeconds: secondsUntil(period.end, now),
      plans: plans.map((plan) => plan.key),
    });
  }

  private assertQuantity(quantity: number, min: number): void {
    if (!Number.isSafeInteger(quantity) || quantity < min || quantity > MAX_QUANTITY) {
      throw new PaymentsException(400, 'invalid_request', `Usage quantity must be a whole number from ${min} to ${MAX_QUANTITY}.`);
    }
  }
}
