import type Stripe from 'stripe';
import { ApiRouter } from '../api-router';
import { listResponse } from '../list-helpers';
import { RequestParams } from '../request-params';
import { missing } from '../stripe-api.error';

/**
 * Card payment methods, read back: the fake makes one when a person pays on a Checkout page
 * (attached to the customer, the subscription's default). Only `card` exists; another `type`
 * lists nothing, as at Stripe for a customer with no such method.
 */
export function paymentMethodRoutes(router: ApiRouter): void {
  const { ctx } = router;
  const ofCustomer = (customer: string, params: RequestParams): Stripe.PaymentMethod[] => {
    const type = params.str('type');
    return [...ctx.store.paymentMethods.values()].filter((pm) => pm.customer === customer && (type === undefined || pm.type === type));
  };

  router.add('GET', '/v1/payment_methods/:id', ({ ids }) => {
    const found = ctx.store.paymentMethods.get(ids[0]);
    if (!found) throw missing('payment_method', ids[0]);
    return found;
  });

  router.add('GET', '/v1/payment_methods', ({ params }) => {
    const customer = params.str('customer');
    // Without a customer Stripe lists Treasury methods only, which the fake has none of.
    const found = customer === undefined ? [] : ofCustomer(customer, params);
    return listResponse(found, params, '/v1/payment_methods');
  });

  router.add('GET', '/v1/customers/:id/payment_methods', ({ ids, params }) => {
    if (!ctx.store.customers.has(ids[0])) throw missing('customer', ids[0]);
    return listResponse(ofCustomer(ids[0], params), params, `/v1/customers/${ids[0]}/payment_methods`);
  });
}
