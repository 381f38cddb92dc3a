import type Stripe from 'stripe';
import { buildPlanFromPrice } from './catalog.factory';

/** One phase as the fake stores it: resolved dates and embedded prices. */
export interface PhaseInput {
  startDate: number;
  endDate: number;
  currency: string;
  items: { price: Stripe.Price; quantity: number; metadata?: Record<string, string> }[];
  prorationBehavior: 'create_prorations' | 'always_invoice' | 'none';
  metadata?: Record<string, string>;
}

/** A phase in Stripe's shape; items name their price by id (plus the legacy `plan`). */
export function buildPhase(input: PhaseInput): Stripe.SubscriptionSchedule.Phase {
  const phase = {
    add_invoice_items: [],
    application_fee_percent: null,
    billing_cycle_anchor: null,
    collection_method: null,
    currency: input.currency,
    default_payment_method: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    end_date: input.endDate,
    invoice_settings: null,
    items: input.items.map((it) => ({
      discounts: [],
      metadata: it.metadata ?? {},
      price: it.price.id,
      quantity: it.quantity,
      tax_rates: [],
      plan: buildPlanFromPrice(it.price),
      billing_thresholds: null,
    })),
    metadata: input.metadata ?? {},
    on_behalf_of: null,
    proration_behavior: input.prorationBehavior,
    start_date: input.startDate,
    transfer_data: null,
    trial_end: null,
    billing_thresholds: null,
  };
  return phase as unknown as Stripe.SubscriptionSchedule.Phase;
}

export interface ScheduleInput {
  id: string;
  created: number;
  customer: string;
  subscription: string;
  phases: Stripe.SubscriptionSchedule.Phase[];
  metadata: Record<string, string>;
  /** The subscription's `billing_mode`: a schedule made from a subscription keeps it. */
  billingMode?: Stripe.SubscriptionSchedule.BillingMode;
  /** The subscription's test clock id, if any. */
  testClock?: string | null;
}

/** A schedule attached to a subscription (`from_subscription`): active, released at its end by default. */
export function buildSubscriptionSchedule(input: ScheduleInput): Stripe.SubscriptionSchedule {
  const first = input.phases[0];
  const schedule = {
    application: null,
    canceled_at: null,
    completed_at: null,
    created: input.created,
    current_phase: first ? { end_date: first.end_date, start_date: first.start_date } : null,
    customer: input.customer,
    default_settings: {
      application_fee_percent: null,
      automatic_tax: { enabled: false, liability: null, disabled_reason: null },
      billing_cycle_anchor: 'automatic',
      collection_method: 'charge_automatically',
      default_payment_method: null,
      description: null,
      invoice_settings: { account_tax_ids: null, days_until_due: null, issuer: { type: 'self' }, custom_fields: null, description: null, footer: null },
      on_behalf_of: null,
      transfer_data: null,
      billing_thresholds: null,
    },
    end_behavior: 'release',
    id: input.id,
    livemode: false,
    metadata: input.metadata,
    object: 'subscription_schedule',
    phases: input.phases,
    released_at: null,
    released_subscription: null,
    status: 'active',
    subscription: input.subscription,
    test_clock: input.testClock ?? null,
    billing_mode: input.billingMode ?? { type: 'flexible', flexible: {} },
    customer_account: null,
  };
  return schedule as unknown as Stripe.SubscriptionSchedule;
}
