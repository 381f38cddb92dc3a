import { MAP, S, list, obj, ParamSchema } from './param-schema';

// What Stripe accepts, from the request types of the `stripe` SDK (generated from Stripe's OpenAPI spec v2596,
// the API reference's source), to the full depth: a correct call must never be refused.

/** `BillingPortal.SessionCreateParams` */
export const portalSessionCreate: ParamSchema = {
  after_expiration: obj({ customer_login: obj({ expires_at: S }), type: S }), configuration: S, customer: S,
  customer_account: S, expand: S,
  flow_data: obj({
    after_completion: obj({ hosted_confirmation: obj({ custom_message: S }), redirect: obj({ return_url: S }), type: S }),
    subscription_cancel: obj({ retention: obj({ coupon_offer: obj({ coupon: S }), type: S }), subscription: S }),
    subscription_pause: obj({ subscription: S }), subscription_update: obj({ subscription: S }),
    subscription_update_confirm: obj({
      discounts: list({ coupon: S, promotion_code: S }), items: list({ id: S, price: S, quantity: S }),
      subscription: S,
    }),
    type: S,
  }),
  locale: S, on_behalf_of: S, return_url: S,
};

/** `Billing.MeterCreateParams` */
export const meterCreate: ParamSchema = {
  customer_mapping: obj({ event_payload_key: S, type: S }), default_aggregation: obj({ formula: S }),
  display_name: S, event_name: S, event_time_window: S, expand: S,
  value_settings: obj({ event_payload_key: S }),
};

/** `Billing.MeterRetrieveParams` */
export const meterRetrieve: ParamSchema = { expand: S };

/** `Billing.MeterListParams` */
export const meterList: ParamSchema = { ending_before: S, expand: S, limit: S, starting_after: S, status: S };

/** `Billing.MeterListEventSummariesParams` */
export const meterEventSummaryList: ParamSchema = {
  customer: S, end_time: S, ending_before: S, expand: S, limit: S, start_time: S, starting_after: S, value_grouping_window: S,
};

/** `Billing.MeterEventCreateParams` */
export const meterEventCreate: ParamSchema = { event_name: S, expand: S, identifier: S, payload: MAP, timestamp: S };
