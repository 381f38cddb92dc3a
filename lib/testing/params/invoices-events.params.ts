import { MAP, S, list, obj, ParamSchema } from './param-schema';

// What Stripe accepts, from the request types of the `stripe` SDK (generated from Stripe's OpenAPI spec v2596,
// the API reference's source), to the full depth: a correct call must never be refused.

/** `InvoiceRetrieveParams` */
export const invoiceRetrieve: ParamSchema = { expand: S };

/** `InvoicePayParams` */
export const invoicePay: ParamSchema = {
  expand: S, forgive: S, mandate: S, off_session: S, paid_out_of_band: S, payment_method: S, source: S,
};

/** `InvoiceListParams` */
export const invoiceList: ParamSchema = {
  collection_method: S, created: obj({ gt: S, gte: S, lt: S, lte: S }), customer: S, customer_account: S,
  due_date: obj({ gt: S, gte: S, lt: S, lte: S }), ending_before: S, expand: S, limit: S, starting_after: S,
  status: S, subscription: S,
};

/** `EventRetrieveParams` */
export const eventRetrieve: ParamSchema = { expand: S };

/** `EventListParams` */
export const eventList: ParamSchema = {
  created: obj({ gt: S, gte: S, lt: S, lte: S }), delivery_success: S, ending_before: S, expand: S, limit: S,
  starting_after: S, type: S, types: S,
};

const discountParams = list({ coupon: S, discount: S, promotion_code: S });

/**
 * `InvoiceCreatePreviewParams`: the customer/subscription keys to their full depth; the rarely used
 * schedule and one-off item subtrees are accepted as they come (never refused, not checked below).
 */
export const invoiceCreatePreview: ParamSchema = {
  automatic_tax: obj({ enabled: S, liability: obj({ account: S, type: S }) }), currency: S, customer: S,
  customer_account: S,
  customer_details: obj({
    address: obj({ city: S, country: S, line1: S, line2: S, postal_code: S, state: S }),
    shipping: obj({ address: obj({ city: S, country: S, line1: S, line2: S, postal_code: S, state: S }), name: S, phone: S }),
    tax: obj({ ip_address: S }), tax_exempt: S, tax_ids: list({ type: S, value: S }),
  }),
  discounts: discountParams, expand: S, invoice_items: MAP, issuer: obj({ account: S, type: S }), on_behalf_of: S,
  preview_mode: S, schedule: S, schedule_details: MAP, subscription: S,
  subscription_details: obj({
    billing_cycle_anchor: S, billing_mode: obj({ flexible: obj({ proration_discounts: S }), type: S }),
    billing_schedules: MAP, cancel_at: S, cancel_at_period_end: S, cancel_now: S, default_tax_rates: S,
    items: list({
      billing_thresholds: obj({ usage_gte: S }), clear_usage: S, deleted: S, discounts: discountParams, id: S,
      metadata: MAP, plan: S, price: S,
      price_data: obj({
        currency: S, product: S, recurring: obj({ interval: S, interval_count: S }), tax_behavior: S,
        unit_amount: S, unit_amount_decimal: S,
      }),
      quantity: S, tax_rates: S,
    }),
    metadata: MAP, pause: MAP, proration_behavior: S, proration_date: S, resume_at: S, start_date: S, trial_end: S,
  }),
};
