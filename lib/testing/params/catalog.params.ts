import { MAP, S, list, obj, ParamSchema } from './param-schema';

// What Stripe accepts, from the request types of the `stripe` SDK (generated from Stripe's OpenAPI spec v2596,
// the API reference's source), to the full depth: a correct call must never be refused.

/** `ProductCreateParams` */
export const productCreate: ParamSchema = {
  active: S,
  default_price_data: obj({
    currency: S, currency_options: MAP,
    custom_unit_amount: obj({ enabled: S, maximum: S, minimum: S, preset: S }), metadata: MAP,
    recurring: obj({ interval: S, interval_count: S }), tax_behavior: S, unit_amount: S,
    unit_amount_decimal: S,
  }),
  description: S, expand: S, id: S, images: S, marketing_features: list({ name: S }), metadata: MAP, name: S,
  package_dimensions: obj({ height: S, length: S, weight: S, width: S }), shippable: S,
  statement_descriptor: S, tax_code: S, tax_details: obj({ performance_location: S, tax_code: S }), type: S,
  unit_label: S, url: S,
};

/** `ProductRetrieveParams` */
export const productRetrieve: ParamSchema = { expand: S };

/** `ProductListParams` */
export const productList: ParamSchema = {
  active: S, created: obj({ gt: S, gte: S, lt: S, lte: S }), ending_before: S, expand: S, ids: S, limit: S,
  shippable: S, starting_after: S, type: S, url: S,
};

/** `PriceCreateParams` */
export const priceCreate: ParamSchema = {
  active: S, billing_scheme: S, currency: S, currency_options: MAP,
  custom_unit_amount: obj({ enabled: S, maximum: S, minimum: S, preset: S }), expand: S, lookup_key: S,
  metadata: MAP, nickname: S, product: S,
  product_data: obj({
    active: S, id: S, metadata: MAP, name: S, statement_descriptor: S, tax_code: S,
    tax_details: obj({ performance_location: S, tax_code: S }), unit_label: S,
  }),
  recurring: obj({ interval: S, interval_count: S, meter: S, trial_period_days: S, usage_type: S }),
  tax_behavior: S,
  tiers: list({ flat_amount: S, flat_amount_decimal: S, unit_amount: S, unit_amount_decimal: S, up_to: S }),
  tiers_mode: S, transfer_lookup_key: S, transform_quantity: obj({ divide_by: S, round: S }), unit_amount: S,
  unit_amount_decimal: S,
};

/** `PriceRetrieveParams` */
export const priceRetrieve: ParamSchema = { expand: S };

/** `PriceUpdateParams` */
export const priceUpdate: ParamSchema = {
  active: S, currency_options: MAP, expand: S, lookup_key: S, metadata: MAP, nickname: S, tax_behavior: S,
  transfer_lookup_key: S,
};

/** `PriceListParams` */
export const priceList: ParamSchema = {
  active: S, created: obj({ gt: S, gte: S, lt: S, lte: S }), currency: S, ending_before: S, expand: S,
  limit: S, lookup_keys: S, product: S, recurring: obj({ interval: S, meter: S, usage_type: S }),
  starting_after: S, type: S,
};

/** `PriceSearchParams` */
export const priceSearch: ParamSchema = { expand: S, limit: S, page: S, query: S };
