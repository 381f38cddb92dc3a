import { SetMetadata } from '@nestjs/common';

/** Metadata key of `@BillingAction`. */
export const BILLING_ACTION_KEY = 'PAYMENTS:BILLING_ACTION';

/** Every action `authorizeBilling` is asked about, one per kind of billing route. */
export const BILLING_ACTIONS = ['view', 'checkout', 'portal', 'cancel', 'resume', 'change_plan', 'manage_seats', 'view_invoices'] as const;

/** What a billing request wants to do to a billable, as `authorizeBilling` receives it. */
export type BillingActionName = (typeof BILLING_ACTIONS)[number];

/**
 * Names the billing action of a route (or of every route of a controller) for
 * `BillingAuthorizationGuard`, which asks `authorizeBilling(req, action, billableId)` before the route runs.
 */
export const BillingAction = (action: BillingActionName): MethodDecorator & ClassDecorator => SetMetadata(BILLING_ACTION_KEY, action);
