/** Injection token of the resolved, validated module options. */
export const PAYMENTS_OPTIONS = 'PAYMENTS:OPTIONS';
/** Injection token of the configured `Stripe` client. */
export const STRIPE_CLIENT = 'PAYMENTS:STRIPE_CLIENT';
/** Injection token of the TypeORM DataSource the module uses. */
export const PAYMENTS_DATA_SOURCE = 'PAYMENTS:DATA_SOURCE';
/** Injection token of the auth guard that protects the module's own routes. */
export const PAYMENTS_AUTH_GUARD = 'PAYMENTS:AUTH_GUARD';

/** Metadata keys read by the access guards and the usage interceptor. */
export const REQUIRES_PLAN_KEY = 'PAYMENTS:REQUIRES_PLAN';
export const REQUIRES_FEATURE_KEY = 'PAYMENTS:REQUIRES_FEATURE';
export const REQUIRES_ACTIVE_KEY = 'PAYMENTS:REQUIRES_ACTIVE';
export const TRACK_USAGE_KEY = 'PAYMENTS:TRACK_USAGE';
/** Marks a handler whose route must skip the app's auth (the webhook). */
export const PAYMENTS_PUBLIC_KEY = 'PAYMENTS:PUBLIC';
/** Metadata key of `@OnStripeEvent` handlers. */
export const STRIPE_EVENT_HANDLER_KEY = 'PAYMENTS:STRIPE_EVENT_HANDLER';
