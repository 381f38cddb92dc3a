import { S, obj, ParamSchema } from './param-schema';

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
