export { FakeStripe } from './fake-stripe';
export type { FakeStripeState } from './fake-stripe';
export type {
  CompleteCheckoutOptions, CompleteCheckoutResult, DeliveryRecord, DeliverySettings, FakeStripeOptions,
  PriceSpec, RecordedRequest, TestCard,
} from './fake-stripe.types';
export type { RequestMatch } from './fault-injector';
export type { MeterEventRecord } from './fake-store';
export { signStripePayload } from './sign-payload';
export { buildStripeEvent, signedWebhookRequest } from './build-stripe-event';
export type { SignedWebhookRequest, StripeEventOverrides } from './build-stripe-event';
export { startPaymentsTestApp } from './payments-test-app';
export type { PaymentsTestApp, PaymentsTestAppOptions } from './payments-test-app';
// API versions, test clocks and event destinations (issue 11).
export { MODELLED_API_VERSIONS as FAKE_API_VERSIONS } from './api-versions';
export type { FakeApiVersion } from './api-versions';
export type { WebhookEndpointOptions } from './fake-stripe.types';
export type { ThinEventNotification } from './event-payloads';
// Automatic tax at a flat test rate (issue 15).
export { FAKE_AUTOMATIC_TAX_PERCENT } from './tax-and-discounts';
