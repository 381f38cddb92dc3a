import type Stripe from 'stripe';
import { EntityManager } from 'typeorm';
import { BillingState } from '../../persistence/billing-state';

/** What every app handler receives beside its payload: the transaction's manager (writes join it). */
export interface WebhookHandlerContext {
  /** The EntityManager of the event's transaction: writes through it commit or roll back with the event. */
  manager: EntityManager;
}

/** Typed billing events, derived from the billable's state before and after a sync. */
export type BillingEventType =
  | 'subscription.activated'
  | 'subscription.canceled'
  | 'subscription.cancel_scheduled'
  | 'subscription.cancel_unscheduled'
  | 'subscription.paused'
  | 'subscription.resumed'
  | 'plan.changed'
  | 'payment.succeeded'
  | 'payment.failed'
  | 'payment.action_required'
  | 'payment.recovered'
  | 'past_due.started'
  | 'trial.ending';

/** Payload of a typed billing event: who, the state before and after, and the Stripe event (null for an on-demand sync). */
export interface BillingEvent {
  type: BillingEventType;
  billableId: string;
  previous: BillingState;
  current: BillingState;
  event: Stripe.Event | null;
}

/** A Stripe-event handler: `(event, { manager })`. */
export type StripeEventHandlerFn = (event: Stripe.Event, context: WebhookHandlerContext) => unknown | Promise<unknown>;
/** A typed billing-event handler: `(billingEvent, { manager })`. */
export type BillingEventHandlerFn = (event: BillingEvent, context: WebhookHandlerContext) => unknown | Promise<unknown>;
