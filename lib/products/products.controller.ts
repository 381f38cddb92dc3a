import { Controller, Get, Inject, Req, UseGuards } from '@nestjs/common';
import { Entitlements } from '../access/entitlements.service';
import { DocAuthenticatedRoutes, DocPublicRoutes } from '../common/api-docs';
import { requireBillableId } from '../common/billable-id';
import { PaymentsAuthGuard } from '../common/payments-auth.guard';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { BillingAction } from '../teams/billing-action.decorator';
import { BillingAuthorizationGuard } from '../teams/billing-authorization.guard';
import { UsageService } from '../usage/usage.service';
import { ProductCatalog } from './product-catalog';
import { DocBalance, DocProducts } from './products.api-docs';

/** The public product catalogue: no auth, so a pricing page can show the packs before sign-in. */
@Controller()
@DocPublicRoutes()
export class ProductsController {
  constructor(private readonly products: ProductCatalog) {}

  @Get('products')
  @DocProducts()
  list() {
    return {
      products: this.products.list().map((p) => ({
        key: p.key, name: p.name, description: p.description ?? null, grants: p.grants, grantsPlan: p.grantsPlan, expiresInDays: p.expiresInDays, maxQuantity: p.maxQuantity,
      })),
    };
  }
}

/** `GET /balance`: per metric, the plan's allowance for the period and each purchased bucket. */
@Controller()
@UseGuards(PaymentsAuthGuard, BillingAuthorizationGuard)
@DocAuthenticatedRoutes()
export class BalanceController {
  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly usage: UsageService,
    private readonly entitlements: Entitlements,
  ) {}

  @Get('balance')
  @DocBalance()
  @BillingAction('view')
  async balance(@Req() request: unknown) {
    const billableId = requireBillableId(this.options, request);
    const entitlements = await this.entitlements.forBillable(billableId, this.options.now());
    const meters = await this.usage.getUsage(billableId);
    return {
      plan: entitlements.effectivePlan,
      balances: meters.map((m) => ({
        metric: m.metric, limit: m.limit, used: m.used, remaining: m.remaining, creditsRemaining: m.creditsRemaining ?? 0,
        available: m.unlimited ? null : (m.remaining ?? 0) + (m.creditsRemaining ?? 0), credits: m.credits ?? [], resetsAt: m.resetsAt,
      })),
    };
  }
}
