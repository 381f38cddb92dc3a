import { Controller, Get, Inject, Optional, Query, Req, UseGuards } from '@nestjs/common';
import { PaymentsException } from '../common/payments.exception';
import { MeteredPricing } from '../metering/metered-pricing.service';
import { PlanCatalog } from '../plans/plan-catalog';
import { DocAuthenticatedRoutes } from '../common/api-docs';
import { requireBillableId } from '../common/billable-id';
import { PaymentsAuthGuard } from '../common/payments-auth.guard';
import { BillingAction } from '../teams/billing-action.decorator';
import { BillingAuthorizationGuard } from '../teams/billing-authorization.guard';
import { Entitlements } from '../access/entitlements.service';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { DocUsage } from './usage.api-docs';
import { usagePeriod } from './usage-period';
import { UsageMeter, UsageService } from './usage.service';

/** `GET /usage`: the caller's meters for the current period, for a frontend to draw. */
@Controller()
@UseGuards(PaymentsAuthGuard, BillingAuthorizationGuard)
@DocAuthenticatedRoutes()
export class UsageController {
  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly usage: UsageService,
    private readonly entitlements: Entitlements,
    private readonly catalog: PlanCatalog,
    @Optional() private readonly pricing?: MeteredPricing,
  ) {}

  /** `{ plan, periodStart, resetsAt, usage: [{ metric, used, limit, remaining, unlimited, resetsAt }] }`. */
  @Get('usage')
  @DocUsage()
  @BillingAction('view')
  async getUsage(@Req() request: unknown, @Query('by') by?: unknown) {
    if (by !== undefined && by !== 'member') {
      throw new PaymentsException(400, 'invalid_request', "by must be 'member' or left out.", { errors: [{ field: 'by', messages: ["must be 'member'"] }] });
    }
    const billableId = requireBillableId(this.options, request);
    const now = this.options.now();
    const entitlements = await this.entitlements.forBillable(billableId, now);
    const period = usagePeriod(entitlements, now);
    return {
      plan: entitlements.effectivePlan,
      periodStart: period.start,
      resetsAt: period.end,
      usage: await this.withEstimates(await this.usage.getUsage(billableId)),
      ...(this.catalog.list().some((plan) => Object.keys(plan.allocations).length > 0) ? { allocations: await this.usage.getAllocations(billableId) } : {}),
      ...(by === 'member' ? { members: await this.usage.getMemberUsage(billableId) } : {}),
    };
  }

  /** Metered metrics get `estimatedAmount`/`currency`: what Stripe will bill for the period's usage so far (null when the price cannot be read). */
  private withEstimates(meters: UsageMeter[]) {
    return Promise.all(
      meters.map(async (meter) => {
        if (!meter.metered || !this.pricing) return meter;
        const estimate = await this.pricing.estimate(meter.metered.priceId, meter.used);
        return { ...meter, metered: { ...meter.metered, estimatedAmount: estimate?.amount ?? null, currency: estimate?.currency ?? null } };
      }),
    );
  }
}
