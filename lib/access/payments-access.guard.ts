import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ACCESS_GUARD_IMPL } from './access.tokens';

/**
 * The guard the access decorators attach. Nest builds it in the controller's module, so it hands
 * the work to the module's single AccessGuard instance (or the app's subclass from `accessGuard`).
 */
@Injectable()
export class PaymentsAccessGuard implements CanActivate {
  constructor(@Inject(ACCESS_GUARD_IMPL) private readonly impl: CanActivate) {}

  canActivate(context: ExecutionContext) {
    return this.impl.canActivate(context);
  }
}
