import type Stripe from 'stripe';
import { buildPlanFromPrice } from './catalog.factory';

export interface SubscriptionItemInput {
  id: string;
  subscription: string;
  created: number;
  price: Stripe.Price;
  quantity: number;
  periodStart: number;
  periodEnd: number;
  metadata?: Record<string, string>;
}

/** Since API 2025-03-31 the billing period lives on the item, not the subscription. */
export function buildSubscriptionItem(input: SubscriptionItemInput): Stripe.SubscriptionItem {
  const item = {
    created: input.created,
    discounts: [],
    id: input.id,
    metadata: input.metadata ?? {},
    object: 'subscription_item',
    price: input.price,
    quantity: input.quantity,
    subscription: input.subscription,
    tax_rates: [],
    plan: buildPlanFromPrice(input.price),
    current_period_end: input.periodEnd,
    current_period_start: input.periodStart,
    billing_thresholds: null,
  };
  return item as unknown as Stripe.SubscriptionItem;
}

export interface SubscriptionInput {
  id: string;
  created: number;
  customer: string;
  currency: string;
  items: Stripe.SubscriptionItem[];
  status: Stripe.Subscription.Status;
  trialStart: number | null;
  trialEnd: number | null;
  billingCycleAnchor: number;
  metadata: Record<string, string>;
  description?: string | null;
  missingPaymentMethod?: 'cancel' | 'create_invoice' | 'pause';
  /** Default 'flexible', the default of subscriptions created through the API since 2025-09-30. */
  billingMode?: 'classic' | 'flexible';
}

/** `billing_mode` with the keys of Stripe's example object (its optional `updated_at` left out). */
export function billingModeObject(type: 'classic' | 'flexible'): Stripe.Subscription.BillingMode {
  return { type, flexible: type === 'flexible' ? {} : null } as Stripe.Subscription.BillingMode;
}

export function buildSubscription(input: SubscriptionInput): Stripe.Subscription {
  const subscription = {
    application: null,
    application_fee_percent: null,
    automatic_tax: { enabled: false, liability: null, disabled_reason: null },
    billing_cycle_anchor: input.billingCycleAnchor,
    billing_cycle_anchor_config: null,
    cancel_at: null,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: 'charge_automatically',
    created: input.created,
    currency: input.currency,
    customer: input.customer,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: input.description ?? null,
    discounts: [],
    ended_at: null,
    id: input.id,
    invoice_settings: { account_tax_ids: null, issuer: { type: 'self' }, custom_fields: null, description: null, footer: null },
    items: {
      data: input.items,
      has_more: false,
      object: 'list',
      url: `/v1/subscription_items?subscription=${input.id}`,
    },
    latest_invoice: null,
    livemode: false,
    metadata: input.metadata,
    next_pending_invoice_item_invoice: null,
    object: 'subscription',
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: input.created,
    status: input.status,
    test_clock: null,
    transfer_data: null,
    trial_end: input.trialEnd,
    trial_settings: { end_behavior: { missing_payment_method: input.missingPaymentMethod ?? 'create_invoice' } },
    trial_start: input.trialStart,
    cancel_at_period_end: false,
    billing_thresholds: null,
    billing_mode: billingModeObject(input.billingMode ?? 'flexible'),
    customer_account: null,
    managed_payments: { enabled: false },
    billing_schedules: [],
  };
  return subscription as unknown as Stripe.Subscription;
}
