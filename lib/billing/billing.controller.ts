import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req, UseGuards, UsePipes } from '@nestjs/common';
import { requireBillableId } from '../common/billable-id';
import { PaymentsAuthGuard } from '../common/payments-auth.guard';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { CancelDto, ChangePlanDto, CheckoutDto, CheckoutStatusQuery, PortalDto } from './billing.dtos';
import { BillingService } from './billing.service';
import { billingValidationPipe } from './billing-validation.pipe';

/** The authenticated billing routes; each acts on the caller's own billable, never on an id from the request. */
@Controller()
@UseGuards(PaymentsAuthGuard)
@UsePipes(billingValidationPipe())
export class BillingController {
  constructor(
    private readonly billing: BillingService,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  @Get('subscription')
  subscription(@Req() req: unknown) {
    return this.billing.getSubscription(requireBillableId(this.options, req));
  }

  @Post('checkout')
  @HttpCode(200)
  checkout(@Req() req: unknown, @Body() body: CheckoutDto) {
    return this.billing.checkout(requireBillableId(this.options, req), body);
  }

  @Get('checkout/status')
  checkoutStatus(@Req() req: unknown, @Query() query: CheckoutStatusQuery) {
    return this.billing.checkoutStatus(requireBillableId(this.options, req), query.session_id);
  }

  @Post('portal')
  @HttpCode(200)
  portal(@Req() req: unknown, @Body() body: PortalDto) {
    return this.billing.portal(requireBillableId(this.options, req), body);
  }

  @Post('cancel')
  @HttpCode(200)
  cancel(@Req() req: unknown, @Body() body: CancelDto) {
    return this.billing.cancel(requireBillableId(this.options, req), body);
  }

  @Post('resume')
  @HttpCode(200)
  resume(@Req() req: unknown) {
    return this.billing.resume(requireBillableId(this.options, req));
  }

  @Post('upgrade')
  @HttpCode(200)
  upgrade(@Req() req: unknown, @Body() body: ChangePlanDto) {
    return this.billing.changePlan(requireBillableId(this.options, req), body);
  }
}
