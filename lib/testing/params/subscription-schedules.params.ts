import { MAP, S, list, obj, ParamSchema } from './param-schema';
import { addInvoiceItems } from './subscriptions.params';

// What Stripe accepts, from the request types of the `stripe` SDK (generated from Stripe's OpenAPI spec v2596,
// the API reference's source), to the full depth: a correct call must never be refused.

/** `SubscriptionScheduleCreateParams` */
// Shared by create and update, as in Stripe's types.
const defaultSettings = obj({
    application_fee_percent: S, automatic_tax: obj({ enabled: S, liability: obj({ account: S, type: S }) }),
    billing_cycle_anchor: S, billing_thresholds: obj({ amount_gte: S, reset_billing_cycle_anchor: S }),
    collection_method: S, default_payment_method: S, description: S,
    invoice_settings: obj({
      account_tax_ids: S, custom_fields: list({ name: S, value: S }), days_until_due: S, description: S,
      footer: S, issuer: obj({ account: S, type: S }),
    }),
    on_behalf_of: S, transfer_data: obj({ amount_percent: S, destination: S }),
  });

const pauseSchedules = list({
    key: S,
    pause: obj({
      pause_at: obj({ timestamp: S, type: S }),
      settings: obj({
        bill_for: obj({ outstanding_usage_through: obj({ type: S }), unused_time_from: obj({ type: S }) }),
        invoicing_behavior: S, type: S,
      }),
    }),
    resume: obj({
      resume_at: obj({ duration: obj({ interval: S, interval_count: S }), timestamp: S, type: S }),
      settings: obj({ billing_cycle_anchor: S, payment_behavior: S, proration_behavior: S }),
    }),
  });

const phase: ParamSchema = {
    add_invoice_items: addInvoiceItems,
    application_fee_percent: S, automatic_tax: obj({ enabled: S, liability: obj({ account: S, type: S }) }),
    billing_cycle_anchor: S, billing_thresholds: obj({ amount_gte: S, reset_billing_cycle_anchor: S }),
    collection_method: S, currency: S, default_payment_method: S, default_tax_rates: S, description: S,
    discounts: list({ coupon: S, discount: S, promotion_code: S }),
    duration: obj({ interval: S, interval_count: S }), end_date: S,
    invoice_settings: obj({
      account_tax_ids: S, custom_fields: list({ name: S, value: S }), days_until_due: S, description: S,
      footer: S, issuer: obj({ account: S, type: S }),
    }),
    items: list({
      billing_thresholds: obj({ usage_gte: S }),
      discounts: list({ coupon: S, discount: S, promotion_code: S }), metadata: MAP, plan: S, price: S,
      price_data: obj({
        currency: S, product: S, recurring: obj({ interval: S, interval_count: S }), tax_behavior: S,
        unit_amount: S, unit_amount_decimal: S,
      }),
      quantity: S, tax_rates: S,
    }),
    metadata: MAP, on_behalf_of: S, proration_behavior: S,
    transfer_data: obj({ amount_percent: S, destination: S }), trial: S, trial_end: S,
  };

export const scheduleCreate: ParamSchema = {
  billing_mode: obj({ flexible: obj({ proration_discounts: S }), type: S }), customer: S, customer_account: S,
  default_settings: defaultSettings,
  end_behavior: S, expand: S, from_subscription: S, metadata: MAP,
  pause_schedules: pauseSchedules,
  phases: list(phase),
  start_date: S,
};

/** `SubscriptionScheduleRetrieveParams` */
export const scheduleRetrieve: ParamSchema = { expand: S };

/** `SubscriptionScheduleUpdateParams` */
export const scheduleUpdate: ParamSchema = {
  default_settings: defaultSettings,
  end_behavior: S, expand: S, metadata: MAP,
  pause_schedules: pauseSchedules,
  phases: list({ ...phase, start_date: S }),
  proration_behavior: S,
};

/** `SubscriptionScheduleReleaseParams` */
export const scheduleRelease: ParamSchema = { expand: S, preserve_cancel_date: S };

/** `SubscriptionScheduleCancelParams` */
export const scheduleCancel: ParamSchema = { expand: S, invoice_now: S, prorate: S };

/** `SubscriptionScheduleListParams` */
export const scheduleList: ParamSchema = {
  canceled_at: obj({ gt: S, gte: S, lt: S, lte: S }), completed_at: obj({ gt: S, gte: S, lt: S, lte: S }),
  created: obj({ gt: S, gte: S, lt: S, lte: S }), customer: S, customer_account: S, ending_before: S,
  expand: S, limit: S, released_at: obj({ gt: S, gte: S, lt: S, lte: S }), scheduled: S, starting_after: S,
};
