import { CanActivate, ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { PAYMENTS_AUTH_GUARD } from '../payments.constants';

/** Runs the configured auth guard (default `AuthGuard('jwt')`) in front of the module's own routes. */
@Injectable()
export class PaymentsAuthGuard implements CanActivate {
  constructor(@Optional() @Inject(PAYMENTS_AUTH_GUARD) private readonly guard: CanActivate | null) {}

  canActivate(context: ExecutionContext) {
    return this.guard ? this.guard.canActivate(context) : true;
  }
}
