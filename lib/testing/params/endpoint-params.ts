import * as billing from './billing.params';
import * as catalog from './catalog.params';
import * as checkout from './checkout.params';
import * as customers from './customers.params';
import * as invoicesEvents from './invoices-events.params';
import * as paymentMethods from './payment-methods.params';
import * as payments from './payments.params';
import * as promotions from './promotions.params';
import { ParamSchema, S } from './param-schema';
import * as schedules from './subscription-schedules.params';
import * as subscriptions from './subscriptions.params';
import * as testClocks from './test-clocks.params';

/** `METHOD path` as the routes register it -> the parameters Stripe accepts there. */
export const ENDPOINT_PARAMS: Readonly<Record<string, ParamSchema>> = {
  'POST /v1/customers': customers.customerCreate,
  'GET /v1/customers/:id': customers.customerRetrieve,
  'POST /v1/customers/:id': customers.customerUpdate,
  'DELETE /v1/customers/:id': customers.customerDelete,
  'GET /v1/customers': customers.customerList,
  'GET /v1/customers/search': customers.customerSearch,

  'POST /v1/products': catalog.productCreate,
  'GET /v1/products/:id': catalog.productRetrieve,
  'GET /v1/products': catalog.productList,
  'POST /v1/prices': catalog.priceCreate,
  'GET /v1/prices/:id': catalog.priceRetrieve,
  'POST /v1/prices/:id': catalog.priceUpdate,
  'GET /v1/prices': catalog.priceList,
  'GET /v1/prices/search': catalog.priceSearch,

  'POST /v1/checkout/sessions': checkout.checkoutSessionCreate,
  'GET /v1/checkout/sessions/:id': checkout.checkoutSessionRetrieve,
  'POST /v1/checkout/sessions/:id/expire': checkout.checkoutSessionExpire,
  'GET /v1/checkout/sessions/:id/line_items': checkout.checkoutSessionLineItems,
  'GET /v1/checkout/sessions': checkout.checkoutSessionList,

  'POST /v1/subscriptions': subscriptions.subscriptionCreate,
  'GET /v1/subscriptions/:id': subscriptions.subscriptionRetrieve,
  'POST /v1/subscriptions/:id': subscriptions.subscriptionUpdate,
  'DELETE /v1/subscriptions/:id': subscriptions.subscriptionCancel,
  'POST /v1/subscriptions/:id/resume': subscriptions.subscriptionResume,
  'POST /v1/subscriptions/:id/migrate': subscriptions.subscriptionMigrate,
  'GET /v1/subscriptions': subscriptions.subscriptionList,
  'GET /v1/subscription_items': subscriptions.subscriptionItemList,

  'POST /v1/subscription_schedules': schedules.scheduleCreate,
  'GET /v1/subscription_schedules/:id': schedules.scheduleRetrieve,
  'POST /v1/subscription_schedules/:id': schedules.scheduleUpdate,
  'POST /v1/subscription_schedules/:id/release': schedules.scheduleRelease,
  'POST /v1/subscription_schedules/:id/cancel': schedules.scheduleCancel,
  'GET /v1/subscription_schedules': schedules.scheduleList,

  'POST /v1/billing_portal/sessions': billing.portalSessionCreate,
  'POST /v1/billing/meters': billing.meterCreate,
  'GET /v1/billing/meters/:id': billing.meterRetrieve,
  'GET /v1/billing/meters': billing.meterList,
  'GET /v1/billing/meters/:id/event_summaries': billing.meterEventSummaryList,
  'POST /v1/billing/meter_events': billing.meterEventCreate,

  'GET /v1/invoices/:id': invoicesEvents.invoiceRetrieve,
  'POST /v1/invoices/:id/pay': invoicesEvents.invoicePay,
  'GET /v1/invoices': invoicesEvents.invoiceList,
  'POST /v1/invoices/create_preview': invoicesEvents.invoiceCreatePreview,
  'POST /v1/coupons': promotions.couponCreate,
  'GET /v1/coupons/:id': promotions.couponRetrieve,
  'POST /v1/promotion_codes': promotions.promotionCodeCreate,
  'GET /v1/promotion_codes/:id': promotions.promotionCodeRetrieve,
  'GET /v1/promotion_codes': promotions.promotionCodeList,
  'GET /v1/payment_methods/:id': paymentMethods.paymentMethodRetrieve,
  'GET /v1/payment_methods': paymentMethods.paymentMethodList,
  'GET /v1/customers/:id/payment_methods': paymentMethods.customerPaymentMethodList,
  'POST /v1/payment_intents': payments.paymentIntentCreate,
  'GET /v1/payment_intents/:id': payments.paymentIntentRetrieve,
  'GET /v1/charges/:id': payments.chargeRetrieve,
  'POST /v1/refunds': payments.refundCreate,
  'GET /v1/refunds/:id': payments.refundRetrieve,
  'GET /v1/refunds': payments.refundList,
  'GET /v1/events/:id': invoicesEvents.eventRetrieve,
  'GET /v1/events': invoicesEvents.eventList,

  'POST /v1/test_helpers/test_clocks': testClocks.testClockCreate,
  'GET /v1/test_helpers/test_clocks/:id': testClocks.testClockRetrieve,
  'POST /v1/test_helpers/test_clocks/:id/advance': testClocks.testClockAdvance,
  'DELETE /v1/test_helpers/test_clocks/:id': testClocks.testClockDelete,
  'GET /v1/test_helpers/test_clocks': testClocks.testClockList,

  'GET /v1/webhook_endpoints': { ending_before: S, expand: S, limit: S, starting_after: S },
  'GET /v1/webhook_endpoints/:id': { expand: S },

  // v2 GETs take no query parameters (and no `expand`: v2 objects are never expanded).
  'GET /v2/core/events/:id': {},
};
