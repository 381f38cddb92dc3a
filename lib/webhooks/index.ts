// Public names of the webhooks room, re-exported by lib/index.ts.
export { OnStripeEvent, OnBillingEvent } from './handlers/on-stripe-event.decorator';
export { WebhookHandlers } from './handlers/webhook-handlers.service';
export type { BillingEvent, BillingEventType, BillingEventHandlerFn, StripeEventHandlerFn, WebhookHandlerContext } from './handlers/webhook-handler.types';
export { PaymentsPublic, IS_PUBLIC_KEY } from './http/payments-public.decorator';
export { BillingSyncService } from './sync/billing-sync.service';
export type { SyncOptions } from './sync/billing-sync.service';
export { BUILT_IN_EVENT_TYPES } from './sync/built-in-events.service';
export { WebhookOperations } from './operations/webhook-operations.service';
export type { ReplayResult, ResyncResult } from './operations/webhook-operations.service';
export { verifyStripeSignature, parseSignatureHeader } from './signature/stripe-signature.verifier';
export type { SignatureCheck, SignatureFailure } from './signature/stripe-signature.verifier';
