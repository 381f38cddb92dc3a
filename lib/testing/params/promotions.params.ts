import { MAP, S, obj, ParamSchema } from './param-schema';

// What Stripe accepts, from the request types of the `stripe` SDK (generated from Stripe's OpenAPI spec v2596,
// the API reference's source), to the full depth: a correct call must never be refused.

/** `CouponCreateParams` */
export const couponCreate: ParamSchema = {
  amount_off: S, applies_to: obj({ products: S }), currency: S, currency_options: MAP, duration: S,
  duration_in_months: S, expand: S, id: S, max_redemptions: S, metadata: MAP, name: S, percent_off: S, redeem_by: S,
};

/** `CouponRetrieveParams` */
export const couponRetrieve: ParamSchema = { expand: S };

/** `PromotionCodeCreateParams` */
export const promotionCodeCreate: ParamSchema = {
  active: S, code: S, customer: S, customer_account: S, expand: S, expires_at: S, max_redemptions: S, metadata: MAP,
  promotion: obj({ coupon: S, type: S }),
  restrictions: obj({ currency_options: MAP, first_time_transaction: S, minimum_amount: S, minimum_amount_currency: S }),
};

/** `PromotionCodeRetrieveParams` */
export const promotionCodeRetrieve: ParamSchema = { expand: S };

/** `PromotionCodeListParams` */
export const promotionCodeList: ParamSchema = {
  active: S, code: S, coupon: S, created: obj({ gt: S, gte: S, lt: S, lte: S }), customer: S, customer_account: S,
  ending_before: S, expand: S, limit: S, starting_after: S,
};
