import { MAP, S, obj, ParamSchema } from './param-schema';

// What Stripe accepts, from the request types of the `stripe` SDK (generated from Stripe's OpenAPI spec), to the full depth.

/** `PaymentIntentRetrieveParams` */
export const paymentIntentRetrieve: ParamSchema = { client_secret: S, expand: S };

/** `PaymentIntentCreateParams` (top level; nested hashes the fake does not model are refused as unknown). */
export const paymentIntentCreate: ParamSchema = {
  amount: S, application_fee_amount: S, automatic_payment_methods: obj({ allow_redirects: S, enabled: S }), capture_method: S, confirm: S,
  confirmation_method: S, confirmation_token: S, currency: S, customer: S, customer_account: S, description: S, error_on_requires_action: S,
  excluded_payment_method_types: S, expand: S, mandate: S, metadata: MAP, off_session: S, on_behalf_of: S, payment_method: S,
  payment_method_configuration: S, payment_method_types: S, receipt_email: S, return_url: S, setup_future_usage: S,
  statement_descriptor: S, statement_descriptor_suffix: S, transfer_group: S, use_stripe_sdk: S,
};

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
