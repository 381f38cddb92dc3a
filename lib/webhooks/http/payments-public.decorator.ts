import { applyDecorators, SetMetadata } from '@nestjs/common';
import { PAYMENTS_PUBLIC_KEY } from '../../payments.constants';

/** The key most apps' global auth guards read to let a route through (`@Public()` in Nest's docs). */
export const IS_PUBLIC_KEY = 'isPublic';
// What @nestjs/throttler's `@SkipThrottle()` writes for its default throttler.
const THROTTLER_SKIP_DEFAULT = 'THROTTLER:SKIPdefault';

/**
 * Marks a route that Stripe (not a signed-in user) calls. Sets `PAYMENTS:PUBLIC`, the common
 * `isPublic` flag and @nestjs/throttler's skip flag, so typical global guards let it through.
 */
export const PaymentsPublic = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(PAYMENTS_PUBLIC_KEY, true), SetMetadata(IS_PUBLIC_KEY, true), SetMetadata(THROTTLER_SKIP_DEFAULT, true));
