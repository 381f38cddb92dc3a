import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req, UseGuards, UsePipes } from '@nestjs/common';
import { StripeCallBudgetGuard } from '../budget/stripe-call-budget.guard';
import { STRIPE_CALL_COSTS, StripeCallCost } from '../budget/stripe-call-cost.decorator';
import { requireBillableId } from '../common/billable-id';
import { DocAuthenticatedRoutes } from '../common/api-docs';
import { PaymentsAuthGuard } from '../common/payments-auth.guard';
import { BillingAction } from '../teams/billing-action.decorator';
import { BillingAuthorizationGuard } from '../teams/billing-authorization.guard';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { DocCancel, DocChangePlan, DocCheckout, DocCheckoutStatus, DocPause, DocPortal, DocResume, DocSubscription, DocUnpause } from './billing.api-docs';
import { CancelDto, ChangePlanDto, CheckoutDto, CheckoutStatusQuery, PortalDto } from './billing.dtos';
import { BillingService } from './billing.service';
import { CollectionPauseService } from './collection-pause.service';
import { billingValidationPipe } from './billing-validation.pipe';
import { JsonBodyGuard } from './json-body.guard';
import { productInput } from '../products/product-checkout.input';
import { ProductCheckoutService } from '../products/product-checkout.service';

/**
 * The authenticated billing routes; each acts on the caller's own billable, never on an id from the
 * request. Non-JSON bodies are refused before auth runs (415), and each route that calls Stripe is
 * charged to the caller's Stripe call budget (429) once the caller is known.
 */
@Controller()
// Authorization sits between auth and the budget: a refused caller spends no budget and calls no Stripe.
@UseGuards(JsonBodyGuard, PaymentsAuthGuard, BillingAuthorizationGuard, StripeCallBudgetGuard)
@UsePipes(billingValidationPipe())
@DocAuthenticatedRoutes()
export class BillingController {
  constructor(
    private readonly billing: BillingService,
    private readonly pauses: CollectionPauseService,
    private readonly products: ProductCheckoutService,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  @Get('subscription')
  @DocSubscription()
  @BillingAction('view')
  subscription(@Req() req: unknown) {
    return this.billing.getSubscription(requireBillableId(this.options, req));
  }

  @Post('checkout')
  @DocCheckout()
  @BillingAction('checkout')
  @StripeCallCost(STRIPE_CALL_COSTS.checkout)
  @HttpCode(200)
  checkout(@Req() req: unknown, @Body() body: CheckoutDto) {
    const billableId = requireBillableId(this.options, req);
    // `quantity` alone says nothing: it counts a product's units, or a per-seat plan's seats.
    if (body.product !== undefined) return this.products.checkout(billableId, productInput(body), req);
    return this.billing.checkout(billableId, { ...body, plan: body.plan as string }, req);
  }

  @Get('checkout/status')
  @DocCheckoutStatus()
  @BillingAction('checkout')
  @StripeCallCost(STRIPE_CALL_COSTS.checkoutStatus)
  checkoutStatus(@Req() req: unknown, @Query() query: CheckoutStatusQuery) {
    return this.billing.checkoutStatus(requireBillableId(this.options, req), query.session_id);
  }

  @Post('portal')
  @DocPortal()
  @BillingAction('portal')
  @StripeCallCost(STRIPE_CALL_COSTS.portal)
  @HttpCode(200)
  portal(@Req() req: unknown, @Body() body: PortalDto) {
    return this.billing.portal(requireBillableId(this.options, req), body);
  }

  @Post('cancel')
  @DocCancel()
  @BillingAction('cancel')
  @StripeCallCost(STRIPE_CALL_COSTS.cancel)
  @HttpCode(200)
  cancel(@Req() req: unknown, @Body() body: CancelDto) {
    return this.billing.cancel(requireBillableId(this.options, req), body);
  }

  @Post('resume')
  @DocResume()
  @BillingAction('resume')
  @StripeCallCost(STRIPE_CALL_COSTS.resume)
  @HttpCode(200)
  resume(@Req() req: unknown) {
    return this.billing.resume(requireBillableId(this.options, req));
  }

  // Pausing stops what the billable pays and gets, as a cancel does; unpausing is a resume.
  @Post('pause')
  @DocPause()
  @BillingAction('cancel')
  @StripeCallCost(STRIPE_CALL_COSTS.pause)
  @HttpCode(200)
  pause(@Req() req: unknown) {
    return this.pauses.pause(requireBillableId(this.options, req));
  }

  @Post('unpause')
  @DocUnpause()
  @BillingAction('resume')
  @StripeCallCost(STRIPE_CALL_COSTS.unpause)
  @HttpCode(200)
  unpause(@Req() req: unknown) {
    return this.pauses.unpause(requireBillableId(this.options, req));
  }

  @Post('upgrade')
  @DocChangePlan()
  @BillingAction('change_plan')
  @StripeCallCost(STRIPE_CALL_COSTS.changePlan)
  @HttpCode(200)
  upgrade(@Req() req: unknown, @Body() body: ChangePlanDto) {
    const billableId = requireBillableId(this.options, req);
    return body.preview ? this.billing.previewPlanChange(billableId, body) : this.billing.changePlan(billableId, body);
  }
}
