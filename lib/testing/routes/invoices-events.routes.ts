import type Stripe from 'stripe';
import { ApiRouter } from '../api-router';
import { TestCard } from '../fake-stripe.types';
import { renderEvent } from '../event-payloads';
import { createdFilter, listResponse } from '../list-helpers';
import { missing, missingParam, StripeApiError } from '../stripe-api.error';
import { cardError, SubscriptionEngine } from '../subscription.engine';
import { subscriptionInvoice } from '../invoicing';
import { discountRequests, withPreviewDiscounts } from '../tax-and-discounts';
import { SubscriptionUpdater } from '../subscription-update';

export function invoiceAndEventRoutes(router: ApiRouter, engine: SubscriptionEngine, updater: SubscriptionUpdater): void {
  const { ctx } = router;
  const getInvoice = (id: string): Stripe.Invoice => {
    const inv = ctx.store.invoices.get(id);
    if (!inv) throw missing('invoice', id);
    return inv;
  };

  router.add('GET', '/v1/invoices/:id', ({ ids }) => getInvoice(ids[0]));
  router.add('POST', '/v1/invoices/:id/pay', ({ ids, params }) => {
    const invoice = getInvoice(ids[0]);
    if (params.bool('paid_out_of_band')) {
      engine.pay(invoice, 'success');
      return invoice;
    }
    const pm = params.str('payment_method');
    // Test payment-method ids name the card: pm_card_visa succeeds, pm_card_chargeDeclined declines.
    const card: TestCard | undefined = pm === undefined ? undefined : /declined/i.test(pm) ? 'decline' : /authenticat|3ds/i.test(pm) ? 'requires_action' : 'success';
    const outcome = engine.pay(invoice, card);
    // Stripe answers a failed pay with a card error; the invoice keeps the failed attempt.
    if (outcome !== 'paid') throw cardError(outcome === 'declined' ? 'decline' : 'requires_action');
    return invoice;
  });
  router.add('GET', '/v1/invoices', ({ params }) => {
    const customer = params.str('customer');
    const subscription = params.str('subscription');
    const status = params.str('status');
    const inRange = createdFilter(params);
    const all = [...ctx.store.invoices.values()].filter(
      (i) =>
        (customer === undefined || i.customer === customer) &&
        (subscription === undefined || i.parent?.subscription_details?.subscription === subscription) &&
        (status === undefined || i.status === status) &&
        inRange(i.created),
    );
    return listResponse(all, params, '/v1/invoices');
  });

  // A preview is computed, never stored: Stripe answers it with an id that no other call accepts.
  router.add('POST', '/v1/invoices/create_preview', ({ params }) => {
    const subId = params.str('subscription');
    const customer = params.str('customer');
    if (!subId && !customer) throw missingParam('customer');
    const sub = subId
      ? ctx.store.subscriptions.get(subId) ?? throwMissing('subscription', subId)
      : [...ctx.store.subscriptions.values()].reverse().find((s) => s.customer === customer && !['canceled', 'incomplete_expired'].includes(s.status));
    if (customer && !ctx.store.customers.has(customer)) throw missing('customer', customer, 'customer');
    const details = params.obj('subscription_details');
    const ending = sub && sub.cancel_at_period_end && !details?.list('items').length;
    if (!sub || ending || sub.status === 'canceled') {
      throw new StripeApiError(404, 'invalid_request_error', `No upcoming invoices for customer: ${customer ?? sub?.customer}`, undefined, 'invoice_upcoming_none');
    }
    const lines = updater.previewLines(sub, details);
    const reason = details?.oneOf('proration_behavior', ['create_prorations', 'always_invoice', 'none'] as const) === 'always_invoice' ? 'subscription_update' : 'upcoming';
    if (!params.has('discounts')) return subscriptionInvoice(ctx, sub, reason, lines, `upcoming_${ctx.id('in_')}`);
    // `discounts` replaces the subscription's for the preview only.
    return withPreviewDiscounts(ctx, sub, discountRequests(ctx, params), (copy) => subscriptionInvoice(ctx, copy, reason, lines, `upcoming_${ctx.id('in_')}`));
  });

  // Events read back through the API carry the account's version, as Stripe renders them.
  const rendered = (e: Stripe.Event): Stripe.Event => renderEvent(e, ctx.options.apiVersion);
  router.add('GET', '/v1/events/:id', ({ ids }) => rendered(ctx.store.events.find((e) => e.id === ids[0]) ?? throwMissing('event', ids[0])));
  router.add('GET', '/v1/events', ({ params }) => {
    const type = params.str('type');
    const types = params.strings('types');
    const inRange = createdFilter(params);
    const matchType = (t: string): boolean => {
      if (types.length > 0) return types.includes(t);
      if (type === undefined) return true;
      // Stripe accepts a trailing wildcard such as `invoice.*`.
      return type.endsWith('*') ? t.startsWith(type.slice(0, -1)) : t === type;
    };
    return listResponse(ctx.store.events.filter((e) => matchType(e.type) && inRange(e.created)).map(rendered), params, '/v1/events');
  });
}

function throwMissing(kind: string, id: string): never {
  throw missing(kind, id);
}
