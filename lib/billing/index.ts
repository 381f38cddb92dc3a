// Public names of the billing room, re-exported by lib/index.ts.
export { BillingService } from './billing.service';
export type { CheckoutInput, CheckoutResult } from './checkout.service';
export type { CheckoutStatusView } from './checkout-status.service';
export type { ChangePlanInput, ChangePlanPreview, ChangePlanResult } from './plan-change.service';
export type { PlanView, PlanPriceView } from './plans-catalogue.service';
export type { SubscriptionView } from './subscription.view';
export { CheckoutDto, PortalDto, CancelDto, ChangePlanDto, CheckoutStatusQuery } from './billing.dtos';
export { resolveRedirect } from './redirect-policy';
export { InvoicesService } from './invoices.service';
export type { InvoicePage } from './invoices.service';
export type { InvoiceView, InvoiceLineView, InvoicePreviewView } from './invoice.view';
export { InvoicesQuery, InvoiceIdParams } from './billing.dtos';
export type { PaymentRecovery } from './payment-recovery.service';
export type { CheckoutExtraParams, CheckoutParamsHook } from './checkout-params';
export type { EnrolInput } from './enrol.service';
