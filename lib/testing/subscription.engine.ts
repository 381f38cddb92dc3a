import type Stripe from 'stripe';
import { addInterval, Interval, SECONDS_PER_DAY } from './billing-period';
import { clone, FakeContext } from './fake-context';
import { TestCard } from './fake-stripe.types';
import { attemptPayment, createInvoice, finalizeInvoice, LineSpec, PaymentOutcome, scheduleRetry } from './invoicing';
import { liftEndedPause, settlePausedInvoice } from './collection-pause';
import { defaultBillingMode } from './api-versions';
import { buildSubscription, buildSubscriptionItem } from './objects/subscription.factory';
import { priceAmount } from './objects/catalog.factory';
import { meteredUsageLines } from './metered-usage';
import { applyItemChanges, ItemChangeSpec } from './subscription-items';
import { badParam, missing, StripeApiError } from './stripe-api.error';
import { attachDiscounts, automaticTaxField, DiscountRequest } from './tax-and-discounts';

export interface NewSubscription {
  customer: string;
  items: { price: string; quantity: number }[];
  trialEnd?: number | null;
  metadata: Record<string, string>;
  description?: string | null;
  /** 'allow_incomplete' (Stripe's default), 'error_if_incomplete', 'default_incomplete'. */
  paymentBehavior?: string;
  card?: TestCard;
  /** `billing_mode[type]`; default: what the request's API version defaults to. */
  billingMode?: 'classic' | 'flexible';
  /** `automatic_tax[enabled]`: the fake's flat test rate on every invoice. */
  automaticTax?: boolean;
  /** `discounts[]` (checked): coupons or promotion codes taken off its invoices. */
  discounts?: DiscountRequest[];
  /** The Checkout Session the subscription comes from (named on its discounts). */
  checkoutSession?: string | null;
  /** The subscription's `default_payment_method` (`pm_...`): Checkout sets the card paid with. */
  defaultPaymentMethod?: string | null;
}

/** Subscription state machine: creation, invoicing outcomes, cancellation, renewal. */
export class SubscriptionEngine {
  /** Told when a subscription ends (schedules end with it). */
  readonly canceledListeners: ((sub: Stripe.Subscription, reason: string | null) => void)[] = [];

  constructor(private readonly ctx: FakeContext) {}

  recurringPrice(id: string, param: string): Stripe.Price {
    const price = this.ctx.store.prices.get(id);
    if (!price) throw missing('price', id, param);
    if (!price.recurring) {
      throw badParam(param, `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`);
    }
    return price;
  }

  create(input: NewSubscription): Stripe.Subscription {
    const { ctx } = this;
    if (!ctx.store.customer(input.customer)) throw missing('customer', input.customer, 'customer');
    if (input.items.length === 0) throw badParam('items', 'Missing required param: items.', 'parameter_missing');
    const prices = input.items.map((it, i) => this.recurringPrice(it.price, `items[${i}][price]`));
    const interval = prices[0].recurring!.interval as Interval;
    if (prices.some((p) => p.recurring!.interval !== interval)) {
      throw badParam('items', 'Currency and interval fields must match across all plans on this subscription.');
    }
    const now = ctx.now();
    const trialEnd = input.trialEnd && input.trialEnd > now ? input.trialEnd : null;
    const periodEnd = trialEnd ?? addInterval(now, interval, prices[0].recurring!.interval_count);
    const id = ctx.id('sub_');
    const items = input.items.map((it, i) =>
      buildSubscriptionItem({
        id: ctx.id('si_'),
        subscription: id,
        created: now,
        price: clone(prices[i]),
        quantity: it.quantity,
        periodStart: now,
        periodEnd,
      }),
    );
    // Stripe's metered items carry no quantity: usage decides what they bill.
    items.forEach((item, i) => prices[i].recurring?.usage_type === 'metered' && Reflect.deleteProperty(item, 'quantity'));
    const sub = buildSubscription({
      id,
      created: now,
      customer: input.customer,
      currency: prices[0].currency,
      items,
      status: trialEnd ? 'trialing' : 'incomplete',
      trialStart: trialEnd ? now : null,
      trialEnd,
      billingCycleAnchor: periodEnd,
      metadata: input.metadata,
      description: input.description,
      billingMode: input.billingMode ?? defaultBillingMode(ctx.origin.apiVersion ?? ctx.options.apiVersion),
    });
    if (!trialEnd) sub.billing_cycle_anchor = now;
    sub.default_payment_method = input.defaultPaymentMethod ?? null;
    if (input.automaticTax) sub.automatic_tax = automaticTaxField(true, 'subscription') as unknown as Stripe.Subscription.AutomaticTax;
    if (input.discounts?.length) attachDiscounts(ctx, sub, input.discounts, input.checkoutSession ?? null);
    sub.test_clock = ctx.store.customer(input.customer)?.test_clock ?? null;
    const card = input.card ?? ctx.cardFor(input.customer);
    if (!trialEnd && input.paymentBehavior === 'error_if_incomplete' && card !== 'success') {
      throw cardError(card);
    }
    ctx.store.subscriptions.set(id, sub);
    ctx.store.subExtras(id);
    ctx.emit('customer.subscription.created', sub);
    const lines: LineSpec[] = items.map((item) => ({
      amount: trialEnd ? 0 : priceAmount(item.price, item.quantity ?? 1),
      description: `${item.quantity} × ${item.price.nickname ?? item.price.id}${trialEnd ? ' (trial)' : ''}`,
      priceId: item.price.id,
      itemId: item.id,
      quantity: item.quantity ?? 1,
      proration: false,
      periodStart: now,
      periodEnd,
    }));
    const invoice = createInvoice(ctx, sub, 'subscription_create', lines);
    finalizeInvoice(ctx, invoice);
    if (input.paymentBehavior === 'default_incomplete' && invoice.amount_due > 0) return sub;
    const outcome = attemptPayment(ctx, invoice, card);
    if (outcome === 'paid' && !trialEnd) this.setStatus(sub, 'active');
    this.maybeTrialWillEnd(sub);
    return sub;
  }

  /** Applies what a payment outcome means for the invoice's subscription. */
  afterPayment(invoice: Stripe.Invoice, outcome: PaymentOutcome): void {
    const subId = invoice.parent?.subscription_details?.subscription as string | undefined;
    const sub = subId ? this.ctx.store.subscriptions.get(subId) : undefined;
    if (!sub) return;
    const extras = this.ctx.store.invExtras(invoice.id as string);
    if (outcome === 'paid') {
      if (extras.pendingItems) this.applyPendingItems(sub, extras.pendingItems);
      extras.pendingItems = undefined;
      const stillOwing = [...this.ctx.store.invoices.values()].some(
        (inv) => inv.status === 'open' && inv.id !== invoice.id && inv.parent?.subscription_details?.subscription === sub.id && inv.attempt_count > 0,
      );
      if (!stillOwing && ['incomplete', 'past_due', 'unpaid'].includes(sub.status)) this.setStatus(sub, 'active');
      return;
    }
    if (extras.pendingItems) return;
    if (sub.status === 'incomplete') return;
    if (invoice.billing_reason === 'subscription_update' || invoice.billing_reason === 'subscription_cycle' || invoice.billing_reason === 'subscription_create') {
      const retrying = scheduleRetry(this.ctx, invoice);
      if (retrying) {
        if (sub.status === 'active' || sub.status === 'trialing') this.setStatus(sub, 'past_due');
      } else {
        this.retriesExhausted(sub);
      }
    }
  }

  /** Pays an open invoice (stripe.invoices.pay or a smart retry) and applies the outcome. */
  pay(invoice: Stripe.Invoice, card?: TestCard): PaymentOutcome {
    if (invoice.status === 'paid') {
      throw new StripeApiError(400, 'invalid_request_error', 'Invoice is already paid', undefined, 'invoice_already_paid');
    }
    if (invoice.status !== 'open') {
      throw new StripeApiError(400, 'invalid_request_error', `You can only pay an invoice that is open (this one is ${invoice.status}).`, undefined, 'invoice_not_editable');
    }
    const outcome = attemptPayment(this.ctx, invoice, card);
    this.afterPayment(invoice, outcome);
    return outcome;
  }

  retriesExhausted(sub: Stripe.Subscription): void {
    if (this.ctx.options.afterRetriesExhausted === 'unpaid') this.setStatus(sub, 'unpaid');
    else this.cancelNow(sub, 'payment_failed');
  }

  setStatus(sub: Stripe.Subscription, status: Stripe.Subscription.Status): void {
    if (sub.status === status) return;
    const before = clone(sub);
    sub.status = status;
    this.ctx.emit('customer.subscription.updated', sub, before);
  }

  /** Ends the subscription now (DELETE, cancel_at reached, retries exhausted). */
  cancelNow(sub: Stripe.Subscription, reason: 'cancellation_requested' | 'payment_failed' | null): void {
    if (sub.status === 'canceled') return;
    const now = this.ctx.now();
    sub.status = 'canceled';
    sub.canceled_at ??= now;
    sub.ended_at = now;
    sub.cancellation_details = { ...sub.cancellation_details, reason } as Stripe.Subscription.CancellationDetails;
    for (const inv of this.ctx.store.invoices.values()) {
      if (inv.status === 'open' && inv.parent?.subscription_details?.subscription === sub.id) {
        inv.next_payment_attempt = null;
        inv.auto_advance = false;
      }
    }
    this.ctx.emit('customer.subscription.deleted', sub);
    for (const listener of this.canceledListeners) listener(sub, reason);
  }

  /**
   * Period end reached: cancel if asked, else start the next period and invoice it. `switchItems`
   * (a schedule's next phase) changes the prices first, so the new period is billed at them.
   */
  renew(sub: Stripe.Subscription, switchItems?: (sub: Stripe.Subscription) => void): void {
    const { ctx } = this;
    const item0 = sub.items.data[0];
    const periodEnd = item0.current_period_end;
    if (sub.cancel_at_period_end || (sub.cancel_at !== null && sub.cancel_at <= periodEnd)) {
      this.cancelNow(sub, 'cancellation_requested');
      return;
    }
    const before = clone(sub);
    // Usage of the period that ends, billed in arrears at the prices it was used under.
    const usageLines = meteredUsageLines(ctx, sub, item0.current_period_start, periodEnd);
    switchItems?.(sub);
    const wasTrial = sub.status === 'trialing';
    const price = sub.items.data[0].price;
    const nextEnd = addInterval(periodEnd, price.recurring!.interval as Interval, price.recurring!.interval_count);
    for (const item of sub.items.data) {
      item.current_period_start = periodEnd;
      item.current_period_end = nextEnd;
    }
    if (wasTrial) sub.status = 'active';
    ctx.emit('customer.subscription.updated', sub, before);
    const extras = ctx.store.subExtras(sub.id);
    const lines: LineSpec[] = extras.pendingProrations.map((p) => ({
      amount: p.amount,
      description: p.description,
      priceId: p.priceId,
      itemId: p.itemId,
      quantity: p.quantity,
      proration: true,
      periodStart: item0.current_period_start,
      periodEnd: periodEnd,
    }));
    extras.pendingProrations = [];
    lines.push(...usageLines);
    for (const item of sub.items.data) {
      if (item.price.recurring?.usage_type === 'metered') continue;
      lines.push({
        amount: priceAmount(item.price, item.quantity ?? 1),
        description: `${item.quantity} × ${item.price.nickname ?? item.price.id}`,
        priceId: item.price.id,
        itemId: item.id,
        quantity: item.quantity ?? 1,
        proration: false,
        periodStart: periodEnd,
        periodEnd: nextEnd,
      });
    }
    liftEndedPause(sub, periodEnd);
    const invoice = createInvoice(ctx, sub, 'subscription_cycle', lines);
    if (settlePausedInvoice(ctx, sub, invoice)) return;
    finalizeInvoice(ctx, invoice);
    this.afterPayment(invoice, attemptPayment(ctx, invoice));
  }

  /** Stripe sends trial_will_end three days before the trial ends (at once for shorter trials). */
  maybeTrialWillEnd(sub: Stripe.Subscription): void {
    const extras = this.ctx.store.subExtras(sub.id);
    if (sub.status !== 'trialing' || !sub.trial_end || extras.trialWillEndSent) return;
    if (sub.trial_end - 3 * SECONDS_PER_DAY <= this.ctx.now()) {
      extras.trialWillEndSent = true;
      this.ctx.emit('customer.subscription.trial_will_end', sub);
    }
  }

  applyPendingItems(sub: Stripe.Subscription, items: ItemChangeSpec[]): void {
    const before = clone(sub);
    applyItemChanges(this.ctx, sub, items);
    // Discounts asked with the update (kept in pending_update.discounts) take effect with it.
    if (sub.pending_update?.discounts) sub.discounts = sub.pending_update.discounts;
    // A pending update that ends the trial (trial_end=now) ends it once paid, as Stripe applies the whole update.
    if (sub.pending_update?.trial_end && sub.status === 'trialing') {
      const now = this.ctx.now();
      const price = sub.items.data[0].price.recurring!;
      endTrialNow(sub, now, addInterval(now, price.interval as Interval, price.interval_count));
    }
    sub.pending_update = null;
    this.ctx.emit('customer.subscription.updated', sub, before);
    this.ctx.emit('customer.subscription.pending_update_applied', sub);
  }
}

/** The trial is over and the first paid period runs from `now` (a paid change that ended the trial). */
export function endTrialNow(sub: Stripe.Subscription, now: number, periodEnd: number): void {
  for (const item of sub.items.data) {
    item.current_period_start = now;
    item.current_period_end = periodEnd;
  }
  sub.trial_end = now;
  sub.billing_cycle_anchor = now;
  sub.status = 'active';
}

export function cardError(card: TestCard): StripeApiError {
  return card === 'requires_action'
    ? new StripeApiError(402, 'card_error', 'This payment requires additional user action before it can be completed successfully.', undefined, 'authentication_required')
    : new StripeApiError(402, 'card_error', 'Your card was declined.', undefined, 'card_declined', { decline_code: 'generic_decline' });
}
