import { Controller, Get, Inject, Req, UseGuards } from '@nestjs/common';
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
import { UsageService } from './usage.service';

/** `GET /usage`: the caller's meters for the current period, for a frontend to draw. */
@Controller()
@UseGuards(PaymentsAuthGuard, BillingAuthorizationGuard)
@DocAuthenticatedRoutes()
export class UsageController {
  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly usage: UsageService,
    private readonly entitlements: Entitlements,
  ) {}

  /** `{ plan, periodStart, resetsAt, usage: [{ metric, used, limit, remaining, unlimited, resetsAt }] }`. */
  @Get('usage')
  @DocUsage()
  @BillingAction('view')
  async getUsage(@Req() request: unknown) {
    const billableId = requireBillableId(this.options, request);
    const now = this.options.now();
    const entitlements = await this.entitlements.forBillable(billableId, now);
    const period = usagePeriod(entitlements, now);
    return {
      plan: entitlements.effectivePlan,
      periodStart: period.start,
      resetsAt: period.end,
      usage: await this.usage.getUsage(billableId),
    };
  }
}
