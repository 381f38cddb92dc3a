import { SetMetadata } from '@nestjs/common';

/** Metadata key of `@StripeCallCost`. */
export const STRIPE_CALL_COST_KEY = 'PAYMENTS:STRIPE_CALL_COST';

/**
 * The most Stripe calls one request to this route can make, charged to the caller's budget before
 * the route runs. Charging the worst case up front is what keeps the budget a hard bound: a count
 * taken afterwards could only be refused once the calls were already made.
 */
export const StripeCallCost = (calls: number): MethodDecorator => SetMetadata(STRIPE_CALL_COST_KEY, calls);

/**
 * What each billing route is charged: the most Stripe calls it makes (a customer created on the
 * first checkout, a promotion code looked up, a stale session expired, a schedule released, the
 * sync that re-reads the result).
 * Network retries of one call are not counted.
 */
export const STRIPE_CALL_COSTS = {
  checkout: 6,
  checkoutStatus: 3,
  portal: 1,
  cancel: 4,
  resume: 2,
  pause: 2,
  unpause: 2,
  changePlan: 5,
  invoices: 1,
  invoice: 1,
  upcomingInvoice: 1,
} as const;
