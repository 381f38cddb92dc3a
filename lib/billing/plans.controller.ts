import { Controller, Get } from '@nestjs/common';
import { DocPublicRoutes } from '../common/api-docs';
import { DocPlans } from './billing.api-docs';
import { BillingService } from './billing.service';

/** The public plan catalogue: no auth, so a pricing page can load it before sign-in. */
@Controller()
@DocPublicRoutes()
export class PlansController {
  constructor(private readonly billing: BillingService) {}

  @Get('plans')
  @DocPlans()
  plans() {
    return this.billing.plans();
  }
}
