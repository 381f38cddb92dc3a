import { S, ParamSchema } from './param-schema';

// What Stripe accepts, from the request types of the `stripe` SDK (PaymentMethodRetrieveParams,
// PaymentMethodListParams, CustomerListPaymentMethodsParams).

/** `PaymentMethodRetrieveParams` */
export const paymentMethodRetrieve: ParamSchema = { expand: S };

/** `PaymentMethodListParams` */
export const paymentMethodList: ParamSchema = {
  allow_redisplay: S, customer: S, customer_account: S, ending_before: S, expand: S, limit: S, starting_after: S, type: S,
};

/** `CustomerListPaymentMethodsParams` */
export const customerPaymentMethodList: ParamSchema = {
  allow_redisplay: S, ending_before: S, expand: S, limit: S, starting_after: S, type: S,
};
