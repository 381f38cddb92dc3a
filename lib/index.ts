export { PaymentsModule } from './payments.module';
export type { PaymentsAsyncExtras } from './payments.module';
export type { PaymentsModuleOptions, ResolvedPaymentsOptions, PastDuePolicy, RedirectUrls, StripeClientConfig, WebhookProcessingMode } from './payments.options';
export type { RetentionOptions, UsageIdempotencyOptions } from './payments.options';
// The shared work queue (issue 12, GUIDE §5).
export type { WorkQueueOptions } from './payments.options';
// Stripe call budget (issue 10, item 7).
export type { StripeCallBudget } from './payments.options';
export { PaymentsConfigError } from './payments-options.validator';
export { definePlans } from './plans/define-plans';
export { PlanCatalog } from './plans/plan-catalog';
export type { BillingInterval, CatalogPlan, FeatureName, LimitName, PaymentsRegister, PlanDefinition, PlanKey, PlansDefinition } from './plans/plan.types';
export { SubscriptionMixin } from './persistence/subscription.mixin';
export type { BillableMethods } from './persistence/subscription.mixin';
export type { BillingState } from './persistence/billing-state';
export { PAYMENTS_ENTITIES } from './persistence/payments-entities';
export { WebhookEventEntity } from './persistence/entities/webhook-event.entity';
export { UsageCounterEntity } from './persistence/entities/usage-counter.entity';
export { UsageRecordEntity } from './persistence/entities/usage-record.entity';
export { PaymentEntity } from './persistence/entities/payment.entity';
export { TrialFingerprintEntity } from './persistence/entities/trial-fingerprint.entity';
export { InjectStripe, InjectPaymentsOptions } from './stripe/inject-stripe.decorator';
export { StripeGateway } from './stripe/stripe-gateway.service';
export { PaymentsException } from './common/payments.exception';
export type { PaymentsErrorCode } from './common/payments.exception';
export * from './billing';
export * from './webhooks';
export { createPaymentsMigration } from './persistence/migrations';
export type { PaymentsMigrationOptions } from './persistence/migrations';
export * from './access';
export * from './usage';
// Health (an indicator for @nestjs/terminus, which stays an optional peer).
export * from './health';
// Organisations and roles (issue 13): who may do what to a billable, and who the Stripe customer is.
export * from './teams';
// One-time products and purchased credits (issue 15).
export * from './products';
export { CreditPurchaseEntity } from './persistence/entities/credit-purchase.entity';
export { CreditBucketEntity } from './persistence/entities/credit-bucket.entity';
export { CreditRefundEntity } from './persistence/entities/credit-refund.entity';
export { CreditSpendEntity } from './persistence/entities/credit-spend.entity';
export { AutoTopUpEntity } from './persistence/entities/auto-top-up.entity';
// The shared work queue (issue 12, GUIDE §5).
export * from './queue';
// Seats (issue 13): per-seat plans, seat counts synced to Stripe quantities, @RequiresSeat.
export * from './seats';
export { SeatAccountEntity } from './persistence/entities/seat-account.entity';
export { SeatMemberEntity } from './persistence/entities/seat-member.entity';
export { MemberUsageEntity } from './persistence/entities/member-usage.entity';
export type { CatalogSeats, SeatsDefinition } from './plans/plan.types';
// Usage billing (issue 14): metered plans reported to Stripe Billing Meters, reconciliation.
export * from './metering';
