import { SetMetadata } from '@nestjs/common';
import { STRIPE_EVENT_HANDLER_KEY } from '../../payments.constants';
import { BillingEventType } from './webhook-handler.types';

/** Metadata key of `@OnBillingEvent` handlers. */
export const BILLING_EVENT_HANDLER_KEY = 'PAYMENTS:BILLING_EVENT_HANDLER';

/**
 * Runs a provider method for Stripe events of these types (`'*'` for every event), after the
 * built-in handling, once per event id, inside the event's transaction: `(event, { manager })`.
 */
export const OnStripeEvent = (...types: string[]): MethodDecorator => SetMetadata(STRIPE_EVENT_HANDLER_KEY, types.length ? types : ['*']);

/**
 * Runs a provider method on typed billing events (`'plan.changed'`, `'payment.failed'`, ... or
 * `'*'`): `({ type, billableId, previous, current, event }, { manager })`, once per transition.
 */
export const OnBillingEvent = (...types: (BillingEventType | '*')[]): MethodDecorator =>
  SetMetadata(BILLING_EVENT_HANDLER_KEY, types.length ? types : ['*']);
