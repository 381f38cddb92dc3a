import type Stripe from 'stripe';
import { clone, FakeContext } from './fake-context';
import { priceAmount } from './objects/catalog.factory';
import { addInterval, Interval } from './billing-period';
import { attemptPayment, createInvoice, finalizeInvoice, LineSpec } from './invoicing';
import { applyPauseCollection } from './collection-pause';
import { attachDiscounts, automaticTaxField, discountRequests } from './tax-and-discounts';
import { RequestParams } from './request-params';
import { badParam, missing } from './stripe-api.error';
import { cardError, endTrialNow, SubscriptionEngine } from './subscription.engine';
import { applyItemChanges } from './subscription-items';

interface ItemChange {
  id: string;
  price: string;
  quantity: number;
  isNew: boolean;
}

const PENDING_UPDATE_LIFETIME = 23 * 3600;
// Stripe's pending-updates reference: the only attributes an update with `pending_if_incomplete` may carry
// (`discounts` since API 2026-05-27, kept in `pending_update.discounts` while unpaid).
const PENDING_UPDATE_PARAMS = [
  'discounts', 'expand', 'payment_behavior', 'proration_behavior', 'proration_date', 'billing_cycle_anchor', 'items', 'trial_end', 'trial_from_plan', 'add_invoice_items',
];

/** `POST /v1/subscriptions/:id`: items/price/quantity with proration, cancellation flags, trials. */
export class SubscriptionUpdater {
  constructor(private readonly ctx: FakeContext, private readonly engine: SubscriptionEngine) {}

  update(sub: Stripe.Subscription, params: RequestParams): Stripe.Subscription {
    const { ctx } = this;
    if (sub.status === 'canceled' || sub.status === 'incomplete_expired') {
      const allowed = ['metadata', 'cancellation_details', 'expand'];
      const other = Object.keys(params.raw).find((k) => !allowed.includes(k));
      if (other) throw badParam(other, 'A canceled subscription can only update its cancellation_details and metadata.');
    }
    if (sub.schedule && ['cancel_at_period_end', 'cancel_at'].some((k) => params.has(k))) {
      const id = typeof sub.schedule === 'string' ? sub.schedule : sub.schedule.id;
      throw badParam(
        params.has('cancel_at') ? 'cancel_at' : 'cancel_at_period_end',
        `The subscription is managed by the subscription schedule \`${id}\`, and updating any cancelation behavior directly is not allowed. Please update the schedule instead.`,
      );
    }
    const proration = params.oneOf('proration_behavior', ['create_prorations', 'always_invoice', 'none'] as const) ?? 'create_prorations';
    const paymentBehavior = params.oneOf('payment_behavior', ['allow_incomplete', 'pending_if_incomplete', 'error_if_incomplete', 'default_incomplete'] as const) ?? 'allow_incomplete';
    const changes = this.itemChanges(sub, params);
    const before = clone(sub);

    this.applyScalars(sub, params);
    const trialEnd = params.str('trial_end');
    if (trialEnd === 'now' && sub.status === 'trialing' && changes.length > 0) {
      // Stripe ends the trial with the new items: the first paid invoice is at the new price.
      if (paymentBehavior === 'pending_if_incomplete') return this.endTrialWithChangeIfPaid(sub, changes, before, params);
      this.applyItems(sub, changes);
    }
    if (trialEnd !== undefined) this.applyTrialEnd(sub, trialEnd);

    const billable = changes.length > 0 && sub.status !== 'trialing' && proration !== 'none';
    const lines = billable ? this.prorationLines(sub, changes) : [];
    const invoiceNow = proration === 'always_invoice' && lines.length > 0;
    // An invoice made now sweeps in the prorations earlier `create_prorations` updates left pending, as Stripe does.
    const swept = invoiceNow && paymentBehavior !== 'pending_if_incomplete' ? this.pendingLines(sub) : [];
    const amount = [...swept, ...lines].reduce((s, l) => s + l.amount, 0);
    const card = ctx.cardFor(sub.customer as string);
    if (invoiceNow && amount > 0 && paymentBehavior === 'error_if_incomplete' && card !== 'success') throw cardError(card);

    if (invoiceNow && paymentBehavior === 'pending_if_incomplete') {
      onlyPendingUpdateParams(params);
      const invoice = createInvoice(ctx, sub, 'subscription_update', lines);
      finalizeInvoice(ctx, invoice);
      const outcome = attemptPayment(ctx, invoice, card);
      if (outcome === 'paid') {
        this.applyItems(sub, changes);
        ctx.emit('customer.subscription.updated', sub, before);
      } else {
        ctx.store.invExtras(invoice.id as string).pendingItems = changes.map(({ id, price, quantity }) => ({ id, price, quantity }));
        // The invoice was discounted; the subscription keeps its own discounts until the change is paid.
        const asked = params.has('discounts') ? sub.discounts : null;
        sub.discounts = before.discounts;
        sub.pending_update = {
          billing_cycle_anchor: null,
          discounts: asked,
          expires_at: ctx.now() + PENDING_UPDATE_LIFETIME,
          subscription_items: changes.map((c) => ({ id: c.id, price: c.price, quantity: c.quantity })),
          trial_end: null,
          trial_from_plan: null,
        } as unknown as Stripe.Subscription.PendingUpdate;
        ctx.emit('customer.subscription.updated', sub, before);
      }
      return sub;
    }

    this.applyItems(sub, changes);
    if (billable && proration === 'create_prorations') {
      ctx.store.subExtras(sub.id).pendingProrations.push(
        ...lines.map((l) => ({ amount: l.amount, description: l.description, priceId: l.priceId, itemId: l.itemId as string, quantity: l.quantity })),
      );
    }
    ctx.emit('customer.subscription.updated', sub, before);
    if (invoiceNow) {
      ctx.store.subExtras(sub.id).pendingProrations = [];
      const invoice = createInvoice(ctx, sub, 'subscription_update', [...swept, ...lines]);
      finalizeInvoice(ctx, invoice);
      this.engine.afterPayment(invoice, attemptPayment(ctx, invoice, card));
    }
    return sub;
  }

  /**
   * `trial_end=now` with new items and `pending_if_incomplete`: the new price's first period is
   * invoiced now; paid, the items change and the trial ends; unpaid, both wait in `pending_update`
   * and the subscription keeps trialing on its old items (Stripe's pending updates reference).
   */
  private endTrialWithChangeIfPaid(sub: Stripe.Subscription, changes: ItemChange[], before: Stripe.Subscription, params: RequestParams): Stripe.Subscription {
    const { ctx } = this;
    onlyPendingUpdateParams(params);
    const now = ctx.now();
    const first = ctx.store.prices.get(changes[0].price)!.recurring!;
    const periodEnd = addInterval(now, first.interval as Interval, first.interval_count);
    const lines: LineSpec[] = changes.map((c) => {
      const price = ctx.store.prices.get(c.price)!;
      return {
        amount: (price.unit_amount ?? 0) * c.quantity, description: `${c.quantity} × ${price.nickname ?? price.id}`,
        priceId: price.id, itemId: c.id, quantity: c.quantity, proration: false, periodStart: now, periodEnd,
      };
    });
    const invoice = createInvoice(ctx, sub, 'subscription_update', lines);
    finalizeInvoice(ctx, invoice);
    if (attemptPayment(ctx, invoice, ctx.cardFor(sub.customer as string)) === 'paid') {
      this.applyItems(sub, changes);
      endTrialNow(sub, now, periodEnd);
      ctx.emit('customer.subscription.updated', sub, before);
      return sub;
    }
    ctx.store.invExtras(invoice.id as string).pendingItems = changes.map(({ id, price, quantity }) => ({ id, price, quantity }));
    const asked = params.has('discounts') ? sub.discounts : null;
    sub.discounts = before.discounts;
    sub.pending_update = {
      billing_cycle_anchor: null, discounts: asked, expires_at: now + PENDING_UPDATE_LIFETIME,
      subscription_items: changes.map((c) => ({ id: c.id, price: c.price, quantity: c.quantity })), trial_end: now, trial_from_plan: null,
    } as unknown as Stripe.Subscription.PendingUpdate;
    ctx.emit('customer.subscription.updated', sub, before);
    return sub;
  }

  /**
   * The lines an update with these `subscription_details` would invoice, without changing anything
   * (`POST /v1/invoices/create_preview`): with `always_invoice`, the prorations due now; otherwise
   * the next period at the new items plus every pending and new proration.
   */
  previewLines(sub: Stripe.Subscription, details: RequestParams | undefined): LineSpec[] {
    const changes = details ? this.itemChanges(sub, details) : [];
    const proration = details?.oneOf('proration_behavior', ['create_prorations', 'always_invoice', 'none'] as const) ?? 'create_prorations';
    const prorated = changes.length > 0 && sub.status !== 'trialing' && proration !== 'none' ? this.prorationLines(sub, changes) : [];
    const endsTrial = sub.status === 'trialing' && details?.str('trial_end') === 'now';
    if (proration === 'always_invoice' && !endsTrial) return [...this.pendingLines(sub), ...prorated];
    // A trial ended now bills the first paid period from now, as the update itself would.
    const start = endsTrial ? this.ctx.now() : sub.items.data[0].current_period_end;
    const items = sub.items.data.map((x) => changes.find((c) => c.id === x.id) ?? { id: x.id, price: x.price.id, quantity: x.quantity ?? 1, isNew: false });
    const next = [...items, ...changes.filter((c) => c.isNew)].map((c): LineSpec => {
      const price = this.ctx.store.prices.get(c.price)!;
      const end = addInterval(start, price.recurring!.interval as Interval, price.recurring!.interval_count);
      return {
        amount: priceAmount(price, c.quantity), description: `${c.quantity} × ${price.nickname ?? price.id}`,
        priceId: price.id, itemId: c.id, quantity: c.quantity, proration: false, periodStart: start, periodEnd: end,
      };
    });
    return [...this.pendingLines(sub), ...prorated, ...next];
  }

  private itemChanges(sub: Stripe.Subscription, params: RequestParams): ItemChange[] {
    return params.list('items').map((item, i) => {
      const id = item.str('id');
      const existing = id ? sub.items.data.find((x) => x.id === id) : undefined;
      if (id && !existing) throw missing('subscription_item', id, `items[${i}][id]`);
      const priceId = item.str('price') ?? existing?.price.id;
      if (!priceId) throw badParam(`items[${i}][price]`, 'Missing required param: items[price].', 'parameter_missing');
      this.engine.recurringPrice(priceId, `items[${i}][price]`);
      const quantity = item.int('quantity', 0) ?? existing?.quantity ?? 1;
      return { id: existing?.id ?? this.ctx.id('si_'), price: priceId, quantity, isNew: !existing };
    });
  }

  private applyScalars(sub: Stripe.Subscription, params: RequestParams): void {
    const now = this.ctx.now();
    const periodEnd = sub.items.data[0].current_period_end;
    const atPeriodEnd = params.bool('cancel_at_period_end');
    if (atPeriodEnd !== undefined) {
      sub.cancel_at_period_end = atPeriodEnd;
      // Since API 2025-03-31 Stripe mirrors the flag into cancel_at.
      sub.cancel_at = atPeriodEnd ? periodEnd : null;
      sub.canceled_at = atPeriodEnd ? now : null;
    }
    const cancelAt = params.nullableStr('cancel_at');
    if (cancelAt !== undefined) {
      if (cancelAt === null) {
        sub.cancel_at = null;
        sub.canceled_at = null;
        sub.cancel_at_period_end = false;
      } else {
        const at = cancelAt === 'min_period_end' || cancelAt === 'max_period_end' ? periodEnd : Number(cancelAt);
        if (!Number.isInteger(at)) throw badParam('cancel_at', `Invalid cancel_at: ${cancelAt}`);
        if (at <= now) throw badParam('cancel_at', 'cancel_at must be in the future.');
        sub.cancel_at = at;
        sub.cancel_at_period_end = false;
        sub.canceled_at = now;
      }
    }
    sub.metadata = params.metadata(sub.metadata);
    const details = params.obj('cancellation_details');
    if (details) {
      const next = { ...sub.cancellation_details } as Record<string, unknown>;
      for (const key of ['comment', 'feedback'] as const) {
        const v = details.nullableStr(key);
        if (v !== undefined) next[key] = v;
      }
      sub.cancellation_details = next as unknown as Stripe.Subscription.CancellationDetails;
    }
    const description = params.nullableStr('description');
    if (description !== undefined) sub.description = description;
    const dpm = params.nullableStr('default_payment_method');
    if (dpm !== undefined) sub.default_payment_method = dpm;
    if (params.has('pause_collection')) applyPauseCollection(this.ctx, sub, params);
    const automaticTax = params.obj('automatic_tax')?.bool('enabled');
    if (automaticTax !== undefined) sub.automatic_tax = automaticTaxField(automaticTax, 'subscription') as unknown as Stripe.Subscription.AutomaticTax;
    // Replaces the subscription's discounts (an empty value removes them); the next invoices use them.
    if (params.has('discounts')) attachDiscounts(this.ctx, sub, discountRequests(this.ctx, params), null);
  }

  private applyTrialEnd(sub: Stripe.Subscription, value: string): void {
    const now = this.ctx.now();
    const end = value === 'now' ? now : Number(value);
    if (!Number.isInteger(end)) throw badParam('trial_end', `Invalid trial_end: ${value}`);
    if (value !== 'now' && end <= now) throw badParam('trial_end', 'Invalid timestamp: must be an integer Unix timestamp in the future.');
    if (value === 'now') {
      if (sub.status !== 'trialing') return;
      for (const item of sub.items.data) item.current_period_end = now;
      sub.trial_end = now;
      // renew() starts the paid period from now and invoices it.
      this.engine.renew(sub);
      return;
    }
    sub.trial_start ??= now;
    sub.trial_end = end;
    sub.status = 'trialing';
    for (const item of sub.items.data) item.current_period_end = end;
    this.ctx.store.subExtras(sub.id).trialWillEndSent = false;
  }

  private prorationLines(sub: Stripe.Subscription, changes: ItemChange[]): LineSpec[] {
    const item0 = sub.items.data[0];
    const start = item0.current_period_start;
    const end = item0.current_period_end;
    const now = this.ctx.now();
    const fraction = end > start ? Math.max(0, end - now) / (end - start) : 0;
    const lines: LineSpec[] = [];
    for (const change of changes) {
      const old = sub.items.data.find((x) => x.id === change.id);
      const newPrice = this.ctx.store.prices.get(change.price)!;
      if (old && old.price.id === change.price && old.quantity === change.quantity) continue;
      if (old) {
        lines.push({
          amount: -Math.round(priceAmount(old.price, old.quantity ?? 1) * fraction),
          description: `Unused time on ${old.quantity} × ${old.price.nickname ?? old.price.id}`,
          priceId: old.price.id, itemId: old.id, quantity: old.quantity ?? 1, proration: true, periodStart: now, periodEnd: end,
        });
      }
      lines.push({
        amount: Math.round(priceAmount(newPrice, change.quantity) * fraction),
        description: `Remaining time on ${change.quantity} × ${newPrice.nickname ?? newPrice.id}`,
        priceId: newPrice.id, itemId: change.id, quantity: change.quantity, proration: true, periodStart: now, periodEnd: end,
      });
    }
    return lines;
  }

  private pendingLines(sub: Stripe.Subscription): LineSpec[] {
    const end = sub.items.data[0].current_period_end;
    return this.ctx.store.subExtras(sub.id).pendingProrations.map((p) => ({ ...p, proration: true, periodStart: this.ctx.now(), periodEnd: end }));
  }

  private applyItems(sub: Stripe.Subscription, changes: ItemChange[]): void {
    applyItemChanges(this.ctx, sub, changes);
  }
}

/** Only the parameters Stripe's pending updates reference lists may come with `pending_if_incomplete`. */
function onlyPendingUpdateParams(params: RequestParams): void {
  if (Object.keys(params.raw).some((k) => !PENDING_UPDATE_PARAMS.includes(k))) {
    throw badParam('payment_behavior', 'When `payment_behavior=pending_if_incomplete`, only items, proration and a few billing fields can be updated.');
  }
}

