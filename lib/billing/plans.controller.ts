import { Controller, Get } from '@nestjs/common';
import { BillingService } from './billing.service';

/** The public plan catalogue: no auth, so a pricing page can load it before sign-in. */
@Controller()
export class PlansController {
  constructor(private readonly billing: BillingService) {}

  @Get('plans')
  plans() {
    return this.billing.plans();
  }
}
