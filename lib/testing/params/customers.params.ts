import { MAP, S, list, obj, ParamSchema } from './param-schema';

// What Stripe accepts, from the request types of the `stripe` SDK (generated from Stripe's OpenAPI spec v2596,
// the API reference's source), to the full depth: a correct call must never be refused.

/** `CustomerCreateParams` */
export const customerCreate: ParamSchema = {
  address: obj({ city: S, country: S, line1: S, line2: S, postal_code: S, state: S }), balance: S,
  business_name: S, cash_balance: obj({ settings: obj({ reconciliation_mode: S }) }), description: S,
  email: S, expand: S, individual_name: S, invoice_prefix: S,
  invoice_settings: obj({
    custom_fields: list({ name: S, value: S }), default_payment_method: S, footer: S,
    rendering_options: obj({ amount_tax_display: S, template: S }),
  }),
  metadata: MAP, name: S, next_invoice_sequence: S, payment_method: S, phone: S, preferred_locales: S,
  shipping: obj({
    address: obj({ city: S, country: S, line1: S, line2: S, postal_code: S, state: S }), name: S, phone: S,
  }),
  source: S, tax: obj({ ip_address: S, validate_location: S }), tax_exempt: S,
  tax_id_data: list({ type: S, value: S }), test_clock: S, validate: S,
};

/** `CustomerRetrieveParams` */
export const customerRetrieve: ParamSchema = { expand: S };

/** `CustomerUpdateParams` */
export const customerUpdate: ParamSchema = {
  address: obj({ city: S, country: S, line1: S, line2: S, postal_code: S, state: S }), balance: S,
  business_name: S, cash_balance: obj({ settings: obj({ reconciliation_mode: S }) }), default_source: S,
  description: S, email: S, expand: S, individual_name: S, invoice_prefix: S,
  invoice_settings: obj({
    custom_fields: list({ name: S, value: S }), default_payment_method: S, footer: S,
    rendering_options: obj({ amount_tax_display: S, template: S }),
  }),
  metadata: MAP, name: S, next_invoice_sequence: S, phone: S, preferred_locales: S,
  shipping: obj({
    address: obj({ city: S, country: S, line1: S, line2: S, postal_code: S, state: S }), name: S, phone: S,
  }),
  source: S, tax: obj({ ip_address: S, validate_location: S }), tax_exempt: S, validate: S,
};

/** `CustomerDeleteParams` */
export const customerDelete: ParamSchema = {};

/** `CustomerListParams` */
export const customerList: ParamSchema = {
  created: obj({ gt: S, gte: S, lt: S, lte: S }), email: S, ending_before: S, expand: S, limit: S,
  starting_after: S, test_clock: S,
};

/** `CustomerSearchParams` */
export const customerSearch: ParamSchema = { expand: S, limit: S, page: S, query: S };
