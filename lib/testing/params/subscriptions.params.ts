import { MAP, S, list, obj, ParamSchema } from './param-schema';

// What Stripe accepts, from the request types of the `stripe` SDK (generated from Stripe's OpenAPI spec v2596,
// the API reference's source), to the full depth: a correct call must never be refused.

// Shared by create and update, as in Stripe's types.
const paymentSettings = obj({
    payment_method_options: obj({
      acss_debit: obj({ mandate_options: obj({ transaction_type: S }), verification_method: S }),
      bancontact: obj({ preferred_language: S }),
      billie: obj({
        company_details: obj({
          registered_address: obj({ city: S, country: S, line1: S, line2: S, postal_code: S, state: S }),
          registered_name: S, registration_number: S, registration_type: S, vat: S,
        }),
      }),
      blik: obj({ mandate_options: obj({ expires_at: S }) }),
      card: obj({
        mandate_options: obj({ amount: S, amount_type: S, description: S }), network: S,
        request_three_d_secure: S,
      }),
      customer_balance: obj({ bank_transfer: obj({ eu_bank_transfer: obj({ country: S }), type: S }), funding_type: S }),
      konbini: S, payto: obj({ mandate_options: obj({ amount: S, purpose: S }) }),
      pix: obj({
        expires_after_seconds: S,
        mandate_options: obj({ amount: S, amount_includes_iof: S, end_date: S, payment_schedule: S }),
      }),
      sepa_debit: S,
      upi: obj({ mandate_options: obj({ amount: S, amount_type: S, description: S, end_date: S }) }),
      us_bank_account: obj({
        financial_connections: obj({ filters: obj({ account_subcategories: S }), permissions: S, prefetch: S }),
        verification_method: S,
      }),
    }),
    payment_method_types: S, save_default_payment_method: S,
  });

/** One-off items added to the next invoice: the same on subscriptions and schedule phases. */
export const addInvoiceItems = list({
  discountable: S, discounts: list({ coupon: S, discount: S, promotion_code: S }), metadata: MAP,
  period: obj({ end: obj({ timestamp: S, type: S }), start: obj({ timestamp: S, type: S }) }), price: S,
  price_data: obj({ currency: S, product: S, tax_behavior: S, unit_amount: S, unit_amount_decimal: S }),
  quantity: S, tax_rates: S,
});

/** `SubscriptionCreateParams` */
export const subscriptionCreate: ParamSchema = {
  add_invoice_items: addInvoiceItems,
  application_fee_percent: S, automatic_tax: obj({ enabled: S, liability: obj({ account: S, type: S }) }),
  backdate_start_date: S, billing_cycle_anchor: S,
  billing_cycle_anchor_config: obj({ day_of_month: S, hour: S, minute: S, month: S, second: S }),
  billing_mode: obj({ flexible: obj({ proration_discounts: S }), type: S }),
  billing_schedules: list({
    applies_to: list({ price: S, type: S }),
    bill_until: obj({ duration: obj({ interval: S, interval_count: S }), timestamp: S, type: S }), key: S,
  }),
  billing_thresholds: obj({ amount_gte: S, reset_billing_cycle_anchor: S }), cancel_at: S,
  cancel_at_period_end: S, collection_method: S, currency: S, customer: S, customer_account: S,
  days_until_due: S, default_payment_method: S, default_source: S, default_tax_rates: S, description: S,
  discounts: list({ coupon: S, discount: S, promotion_code: S }), expand: S,
  invoice_settings: obj({
    account_tax_ids: S, custom_fields: list({ name: S, value: S }), description: S, footer: S,
    issuer: obj({ account: S, type: S }),
  }),
  items: list({
    billing_thresholds: obj({ usage_gte: S }), current_trial: obj({ trial_offer: S }),
    discounts: list({ coupon: S, discount: S, promotion_code: S }), metadata: MAP, plan: S, price: S,
    price_data: obj({
      currency: S, product: S, recurring: obj({ interval: S, interval_count: S }), tax_behavior: S,
      unit_amount: S, unit_amount_decimal: S,
    }),
    quantity: S, tax_rates: S,
  }),
  metadata: MAP, off_session: S, on_behalf_of: S, payment_behavior: S,
  payment_settings: paymentSettings,
  pending_invoice_item_interval: obj({ interval: S, interval_count: S }), proration_behavior: S,
  transfer_data: obj({ amount_percent: S, destination: S }), trial_end: S, trial_from_plan: S,
  trial_period_days: S,
  trial_settings: obj({ end_behavior: obj({ billing_cycle_anchor: S, missing_payment_method: S }) }),
};

/** `SubscriptionRetrieveParams` */
export const subscriptionRetrieve: ParamSchema = { expand: S };

/** `SubscriptionUpdateParams` */
export const subscriptionUpdate: ParamSchema = {
  add_invoice_items: addInvoiceItems,
  application_fee_percent: S, automatic_tax: obj({ enabled: S, liability: obj({ account: S, type: S }) }),
  billing_cycle_anchor: obj({ type: S }),
  billing_schedules: list({
    applies_to: list({ price: S, type: S }),
    bill_until: obj({ duration: obj({ interval: S, interval_count: S }), timestamp: S, type: S }), key: S,
  }),
  billing_thresholds: obj({ amount_gte: S, reset_billing_cycle_anchor: S }), cancel_at: S,
  cancel_at_period_end: S, cancellation_details: obj({ comment: S, feedback: S, feedback_option: S }),
  collection_method: S, days_until_due: S, default_payment_method: S, default_source: S, default_tax_rates: S,
  description: S, discounts: list({ coupon: S, discount: S, promotion_code: S }), expand: S,
  invoice_settings: obj({
    account_tax_ids: S, custom_fields: list({ name: S, value: S }), description: S, footer: S,
    issuer: obj({ account: S, type: S }),
  }),
  items: list({
    billing_thresholds: obj({ usage_gte: S }), clear_usage: S, current_trial: obj({ trial_offer: S }),
    deleted: S, discounts: list({ coupon: S, discount: S, promotion_code: S }), id: S, metadata: MAP, plan: S,
    price: S,
    price_data: obj({
      currency: S, product: S, recurring: obj({ interval: S, interval_count: S }), tax_behavior: S,
      unit_amount: S, unit_amount_decimal: S,
    }),
    quantity: S, tax_rates: S,
  }),
  metadata: MAP, off_session: S, on_behalf_of: S, pause_collection: obj({ behavior: S, resumes_at: S }),
  payment_behavior: S,
  payment_settings: paymentSettings,
  pending_invoice_item_interval: obj({ interval: S, interval_count: S }), proration_behavior: S,
  proration_date: S, transfer_data: obj({ amount_percent: S, destination: S }), trial_end: S,
  trial_from_plan: S,
  trial_settings: obj({ end_behavior: obj({ billing_cycle_anchor: S, missing_payment_method: S }) }),
};

/** `SubscriptionCancelParams` */
export const subscriptionCancel: ParamSchema = {
  cancellation_details: obj({ comment: S, feedback: S, feedback_option: S }), expand: S, invoice_now: S,
  prorate: S,
};

/** `SubscriptionResumeParams` */
export const subscriptionResume: ParamSchema = {
  billing_cycle_anchor: obj({ type: S }), expand: S, payment_behavior: S, proration_behavior: S,
  proration_date: S,
};

/** `SubscriptionListParams` */
export const subscriptionList: ParamSchema = {
  automatic_tax: obj({ enabled: S }), collection_method: S, created: obj({ gt: S, gte: S, lt: S, lte: S }),
  current_period_end: obj({ gt: S, gte: S, lt: S, lte: S }),
  current_period_start: obj({ gt: S, gte: S, lt: S, lte: S }), customer: S, customer_account: S,
  ending_before: S, expand: S, limit: S, plan: S, price: S, starting_after: S, status: S, test_clock: S,
};

/** `SubscriptionItemListParams` */
export const subscriptionItemList: ParamSchema = { ending_before: S, expand: S, limit: S, starting_after: S, subscription: S };

/** `SubscriptionMigrateParams` */
export const subscriptionMigrate: ParamSchema = { billing_mode: obj({ flexible: obj({ proration_discounts: S }), type: S }), expand: S };
