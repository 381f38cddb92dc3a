// Public names of the billing room, re-exported by lib/index.ts.
export { BillingService } from './billing.service';
export type { CheckoutInput, CheckoutResult } from './checkout.service';
export type { CheckoutStatusView } from './checkout-status.service';
export type { ChangePlanInput, ChangePlanResult } from './plan-change.service';
export type { PlanView, PlanPriceView } from './plans-catalogue.service';
export type { SubscriptionView } from './subscription.view';
export { CheckoutDto, PortalDto, CancelDto, ChangePlanDto, CheckoutStatusQuery } from './billing.dtos';
export { resolveRedirect } from './redirect-policy';
export type { EnrolInput } from './enrol.service';
