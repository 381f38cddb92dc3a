import type Stripe from 'stripe';
import { ApiRouter } from '../api-router';
import { clone } from '../fake-context';
import { createdFilter, listResponse } from '../list-helpers';
import { badParam, missing } from '../stripe-api.error';
import { SubscriptionEngine } from '../subscription.engine';
import { SubscriptionUpdater } from '../subscription-update';
import { discountRequests } from '../tax-and-discounts';

export function subscriptionRoutes(router: ApiRouter, engine: SubscriptionEngine, updater: SubscriptionUpdater): void {
  const { ctx } = router;
  const get = (id: string): Stripe.Subscription => {
    const sub = ctx.store.subscriptions.get(id);
    if (!sub) throw missing('subscription', id);
    return sub;
  };

  router.add('POST', '/v1/subscriptions', ({ params }) => {
    const customer = params.reqStr('customer');
    const trialDays = params.int('trial_period_days', 0);
    const trialEndRaw = params.str('trial_end');
    let trialEnd: number | null = null;
    if (trialEndRaw !== undefined && trialEndRaw !== 'now') {
      trialEnd = Number(trialEndRaw);
      if (!Number.isInteger(trialEnd) || trialEnd <= ctx.now()) throw badParam('trial_end', 'Invalid timestamp: must be an integer Unix timestamp in the future.');
    } else if (trialDays) {
      trialEnd = ctx.now() + trialDays * 86_400;
    }
    const items = params.list('items').map((item) => ({ price: item.reqStr('price'), quantity: item.int('quantity', 1) ?? 1 }));
    if (trialEnd === null && params.bool('trial_from_plan')) {
      const days = ctx.store.prices.get(items[0]?.price ?? '')?.recurring?.trial_period_days;
      if (days) trialEnd = ctx.now() + days * 86_400;
    }
    const sub = engine.create({
      customer,
      items,
      trialEnd,
      metadata: params.metadata(),
      description: params.str('description'),
      billingMode: params.obj('billing_mode')?.oneOf('type', ['classic', 'flexible'] as const),
      automaticTax: params.obj('automatic_tax')?.bool('enabled') === true,
      discounts: discountRequests(ctx, params),
      paymentBehavior: params.oneOf('payment_behavior', ['allow_incomplete', 'error_if_incomplete', 'default_incomplete', 'pending_if_incomplete'] as const),
    });
    if (params.bool('cancel_at_period_end')) {
      sub.cancel_at_period_end = true;
      sub.cancel_at = sub.items.data[0].current_period_end;
    }
    return sub;
  });

  router.add('GET', '/v1/subscriptions/:id', ({ ids }) => get(ids[0]));
  router.add('POST', '/v1/subscriptions/:id', ({ ids, params }) => updater.update(get(ids[0]), params));

  router.add('DELETE', '/v1/subscriptions/:id', ({ ids, params }) => {
    const sub = get(ids[0]);
    if (sub.status === 'canceled') throw badParam('subscription', `This subscription has already been canceled.`, 'subscription_canceled');
    const details = params.obj('cancellation_details');
    if (details) {
      sub.cancellation_details = {
        ...sub.cancellation_details,
        comment: details.str('comment') ?? null,
        feedback: details.str('feedback') ?? null,
      } as Stripe.Subscription.CancellationDetails;
    }
    engine.cancelNow(sub, 'cancellation_requested');
    return sub;
  });

  router.add('POST', '/v1/subscriptions/:id/resume', ({ ids }) => {
    const sub = get(ids[0]);
    if (sub.status !== 'paused') throw badParam('subscription', 'Only a paused subscription can be resumed.', 'subscription_not_paused');
    const before = clone(sub);
    sub.status = 'active';
    sub.pause_collection = null;
    ctx.emit('customer.subscription.resumed', sub);
    ctx.emit('customer.subscription.updated', sub, before);
    return sub;
  });

  router.add('GET', '/v1/subscriptions', ({ params }) => {
    const customer = params.str('customer');
    const status = params.str('status');
    const price = params.str('price');
    const inRange = createdFilter(params);
    const all = [...ctx.store.subscriptions.values()].filter(
      (s) =>
        (customer === undefined || s.customer === customer) &&
        // Stripe's default list leaves out canceled subscriptions; `status=all` includes them.
        (status === 'all' || (status === undefined ? s.status !== 'canceled' : s.status === status)) &&
        (price === undefined || s.items.data.some((i) => i.price.id === price)) &&
        inRange(s.created),
    );
    return listResponse(all, params, '/v1/subscriptions');
  });

  router.add('GET', '/v1/subscription_items', ({ params }) => {
    const sub = get(params.reqStr('subscription'));
    return listResponse([...sub.items.data].reverse(), params, '/v1/subscription_items');
  });
}
