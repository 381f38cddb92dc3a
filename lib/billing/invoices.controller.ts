import { Controller, Get, Inject, Param, Query, Req, UseGuards, UsePipes } from '@nestjs/common';
import { StripeCallBudgetGuard } from '../budget/stripe-call-budget.guard';
import { STRIPE_CALL_COSTS, StripeCallCost } from '../budget/stripe-call-cost.decorator';
import { DocAuthenticatedRoutes } from '../common/api-docs';
import { requireBillableId } from '../common/billable-id';
import { PaymentsAuthGuard } from '../common/payments-auth.guard';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { InvoiceIdParams, InvoicesQuery } from './billing.dtos';
import { billingValidationPipe } from './billing-validation.pipe';
import { DocInvoice, DocInvoices, DocUpcomingInvoice } from './invoices.api-docs';
import { InvoicesService } from './invoices.service';
import { BillingAction } from '../teams/billing-action.decorator';
import { BillingAuthorizationGuard } from '../teams/billing-authorization.guard';

/**
 * The caller's invoices and receipts, straight from Stripe: the same auth, validation, error shape
 * and Stripe call budget as the billing routes; each route acts on the caller's own billable only.
 */
@Controller()
@UseGuards(PaymentsAuthGuard, BillingAuthorizationGuard, StripeCallBudgetGuard)
@UsePipes(billingValidationPipe())
@DocAuthenticatedRoutes()
export class InvoicesController {
  constructor(
    private readonly invoices: InvoicesService,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  @Get('invoices')
  @DocInvoices()
  @BillingAction('view_invoices')
  @StripeCallCost(STRIPE_CALL_COSTS.invoices)
  list(@Req() req: unknown, @Query() query: InvoicesQuery) {
    return this.invoices.list(requireBillableId(this.options, req), { limit: query.limit, startingAfter: query.starting_after });
  }

  // Declared before `:id` so that `upcoming` is never read as an invoice id.
  @Get('invoices/upcoming')
  @DocUpcomingInvoice()
  @BillingAction('view_invoices')
  @StripeCallCost(STRIPE_CALL_COSTS.upcomingInvoice)
  upcoming(@Req() req: unknown) {
    return this.invoices.upcoming(requireBillableId(this.options, req));
  }

  @Get('invoices/:id')
  @DocInvoice()
  @BillingAction('view_invoices')
  @StripeCallCost(STRIPE_CALL_COSTS.invoice)
  invoice(@Req() req: unknown, @Param() params: InvoiceIdParams) {
    return this.invoices.get(requireBillableId(this.options, req), params.id);
  }
}
