import type Stripe from 'stripe';
import { ApiRouter } from '../api-router';
import { listResponse } from '../list-helpers';
import { OneTimePayments } from '../one-time-payments';
import { cardError } from '../subscription.engine';
import { badParam, missing, missingParam } from '../stripe-api.error';

/** PaymentIntents and Charges (read), and Refunds (create, read, list by charge or payment intent). */
export function paymentRoutes(router: ApiRouter, payments: OneTimePayments): void {
  const { ctx } = router;
  const found = <T>(map: Map<string, T>, kind: string, id: string): T => {
    const object = map.get(id);
    if (!object) throw missing(kind, id);
    return object;
  };

  // Off-session payments with the customer's saved card (confirm=true only: the fake has no client-side step).
  router.add('POST', '/v1/payment_intents', ({ params }) => {
    const amount = params.int('amount', 1);
    if (amount === undefined) throw missingParam('amount');
    const currency = params.str('currency');
    if (!currency) throw missingParam('currency');
    const customer = params.str('customer');
    if (!customer || !ctx.store.customers.has(customer)) throw missing('customer', customer ?? '', 'customer');
    if (params.bool('confirm') !== true) throw badParam('confirm', 'The fake only creates PaymentIntents with confirm=true.');
    const method = params.str('payment_method');
    // Only a card saved on this customer (Checkout saves the one paid with) can pay off-session.
    if (!method || ctx.store.paymentMethods.get(method)?.customer !== customer) throw missing('payment_method', method ?? '', 'payment_method');
    const card = ctx.cardFor(customer);
    if (card !== 'success') throw cardError(card);
    return payments.pay({ amount, currency, customer, metadata: params.metadata() });
  });
  router.add('GET', '/v1/payment_intents/:id', ({ ids }) => found(ctx.store.paymentIntents, 'payment_intent', ids[0]) as object);
  router.add('GET', '/v1/charges/:id', ({ ids }) => found(ctx.store.charges, 'charge', ids[0]) as object);
  router.add('POST', '/v1/refunds', ({ params }) =>
    payments.refund({
      charge: params.str('charge'),
      paymentIntent: params.str('payment_intent'),
      amount: params.int('amount', 1),
      reason: params.oneOf('reason', ['duplicate', 'fraudulent', 'requested_by_customer'] as const) ?? null,
      metadata: params.metadata(),
    }),
  );
  router.add('GET', '/v1/refunds/:id', ({ ids }) => found(ctx.store.refunds, 'refund', ids[0]) as object);
  router.add('GET', '/v1/refunds', ({ params }) => {
    const charge = params.str('charge');
    const intent = params.str('payment_intent');
    const all = [...ctx.store.refunds.values()].filter(
      (r: Stripe.Refund) => (charge === undefined || r.charge === charge) && (intent === undefined || r.payment_intent === intent),
    );
    return listResponse(all, params, '/v1/refunds');
  });
}
