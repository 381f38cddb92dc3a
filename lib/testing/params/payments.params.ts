import { MAP, S, obj, ParamSchema } from './param-schema';

// What Stripe accepts, from the request types of the `stripe` SDK (generated from Stripe's OpenAPI spec), to the full depth.

/** `PaymentIntentRetrieveParams` */
export const paymentIntentRetrieve: ParamSchema = { client_secret: S, expand: S };

/** `ChargeRetrieveParams` */
export const chargeRetrieve: ParamSchema = { expand: S };

/** `RefundCreateParams` */
export const refundCreate: ParamSchema = {
  amount: S, charge: S, currency: S, customer: S, expand: S, instructions_email: S, metadata: MAP, origin: S,
  payment_intent: S, reason: S, refund_application_fee: S, reverse_transfer: S,
};

/** `RefundRetrieveParams` */
export const refundRetrieve: ParamSchema = { expand: S };

/** `RefundListParams` */
export const refundList: ParamSchema = {
  charge: S, created: obj({ gt: S, gte: S, lt: S, lte: S }), ending_before: S, expand: S, limit: S, payment_intent: S, starting_after: S,
};
