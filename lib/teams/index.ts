// Public names of organisations and roles (issue 13), re-exported by lib/index.ts.
export { BillingAction, BILLING_ACTIONS } from './billing-action.decorator';
export type { BillingActionName } from './billing-action.decorator';
export { BillingAuthorizationGuard, AuthorizeBillingError } from './billing-authorization.guard';
export type { CustomerAddress, CustomerDetails, CustomerTaxId } from './customer-details';
