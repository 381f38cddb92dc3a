import { Inject, Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { isSubscribed, LIVE_STATUSES } from '../access/billing-status';
import { PaymentsException } from '../common/payments.exception';
import { assertSeatsFitChange } from '../seats/seat-plan-change';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { Billable, BillableStore } from '../persistence/billable-store';
import { PlanCatalog } from '../plans/plan-catalog';
import { BillingInterval } from '../plans/plan.types';
import { subscriptionPeriod } from '../stripe/billing-period';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { BillingSyncService } from '../webhooks/sync/billing-sync.service';
import { resolvePaidPrice, ResolvedPrice } from './billing-inputs';
import { InvoicePreviewView, invoicePreviewView } from './invoice.view';
import { InvoicesService } from './invoices.service';
import { PaymentRecovery, recoveryOf } from './payment-recovery.service';
import { assertPromotionCodesAccepted, findPromotionCode } from './promotion-codes';
import { billableNotFound } from './stripe-customers.service';
import { subscriptionView, SubscriptionView } from './subscription.view';

/** What `changePlan` needs: the target plan key and optionally an interval. */
export interface ChangePlanInput {
  plan: string;
  interval?: BillingInterval;
  /** Only show what the change would charge (`previewPlanChange`); default false. */
  preview?: boolean;
  /** A customer-facing promotion code applied with the change (needs `allowPromotionCodes`), as on checkout. */
  promotionCode?: string;
}

/** What a plan change would invoice, from Stripe's invoice preview; nothing is changed. */
export interface ChangePlanPreview {
  preview: InvoicePreviewView & {
    /** True when the amount is charged with the change, false when it is the next invoice (a deferred or credited change). */
    immediate: boolean;
  };
}

/** The state after a plan change, plus a downgrade Stripe will apply at the period end. */
export interface ChangePlanResult extends SubscriptionView {
  /** A change waiting for the period end (downgrades with `downgrade: 'period_end'`), else null. */
  scheduledChange: { plan: string; interval: BillingInterval; at: Date } | null;
}

/**
 * Plan changes that never grant a plan before Stripe has been paid for it (Cashier #1817): upgrades
 * invoice the proration now with `pending_if_incomplete`, so Stripe keeps the old price until the
 * invoice is paid; a change during a trial onto a plan without one ends the trial the same way
 * (see `trialEndAfterChange`); the local state is then written from what Stripe says, by the sync code.
 */
@Injectable()
export class PlanChangeService {
  private readonly logger = new Logger('Payments:Billing');

  constructor(
    private readonly catalog: PlanCatalog,
    private readonly store: BillableStore,
    private readonly gateway: StripeGateway,
    private readonly sync: BillingSyncService,
    private readonly invoices: InvoicesService,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  /**
   * What `changePlan` would charge, from Stripe's invoice preview, with the same refusals and no
   * write at all (no schedule released, no subscription updated).
   */
  async previewPlanChange(billableId: string, input: ChangePlanInput): Promise<ChangePlanPreview> {
    const { sub, item, target, schedule, downgrade, discounts } = await this.resolveChange(billableId, input);
    if (item.price.id === target.priceId) {
      if (!(schedule && nextPhasePrice(schedule) !== null && nextPhasePrice(schedule) !== item.price.id)) throw alreadyOnPlan(target.plan.key);
      // Keeping the current plan only drops the scheduled change: nothing to charge.
      return { preview: { amountDue: 0, total: 0, subtotal: 0, discount: 0, totalExcludingTax: 0, tax: 0, currency: sub.currency, periodStart: 0, periodEnd: 0, lines: [], immediate: true } };
    }
    if (sub.pending_update) throw changeAwaitingPayment(recoveryOf(sub.latest_invoice));
    const deferred = downgrade && this.options.downgrade === 'period_end';
    if (deferred && (sub.cancel_at !== null || sub.cancel_at_period_end)) throw subscriptionEnding();
    const trialEnd = deferred ? undefined : trialEndAfterChange(sub, target, Math.floor(this.options.now().getTime() / 1000));
    const immediate = !deferred && (!downgrade || trialEnd === 'now');
    const invoice = await this.invoices.preview({
      customer: customerOf(sub),
      subscription: sub.id,
      ...discounts,
      subscription_details: {
        items: [{ id: item.id, price: target.priceId }],
        proration_behavior: deferred ? 'none' : immediate ? 'always_invoice' : 'create_prorations',
        ...(trialEnd !== undefined ? { trial_end: trialEnd } : {}),
      },
    });
    if (!invoice) throw noSubscription();
    return { preview: { ...invoicePreviewView(invoice), immediate } };
  }

  /** Moves the billable's subscription to another paid plan (or interval). */
  async changePlan(billableId: string, input: ChangePlanInput): Promise<ChangePlanResult> {
    const { billable, sub, item, target, schedule, downgrade, discounts } = await this.resolveChange(billableId, input);
    const promotion = discounts.discounts?.[0]?.promotion_code ?? null;
    const key = (action: string) =>
      this.gateway.idempotencyKey({ owner: billableId, action, inputs: { sub: sub.id, price: target.priceId, version: billable.billingVersion, promotion } });
    if (item.price.id === target.priceId) {
      // Asking for the plan you are on while a change waits means "keep it": drop the scheduled change.
      if (schedule && nextPhasePrice(schedule) !== null && nextPhasePrice(schedule) !== item.price.id) {
        await this.release(schedule.id, key);
        this.logger.log(`scheduled change of ${sub.id} dropped; ${target.plan.key} kept`);
        return { ...this.view((await this.sync.syncSubscription(sub.id)) ?? billable), scheduledChange: null };
      }
      throw alreadyOnPlan(target.plan.key);
    }
    if (sub.pending_update) throw changeAwaitingPayment(recoveryOf(sub.latest_invoice));

    if (downgrade && this.options.downgrade === 'period_end') {
      // At Stripe the schedule would take over the pending cancellation and its 'release' end would undo it.
      if (sub.cancel_at !== null || sub.cancel_at_period_end) throw subscriptionEnding();
      const at = await this.scheduleAtPeriodEnd(sub, item, target, key, schedule, discounts);
      const state = (await this.sync.syncSubscription(sub.id)) ?? billable;
      return { ...this.view(state), scheduledChange: { plan: target.plan.key, interval: target.interval, at } };
    }
    // A change made now replaces a scheduled one; left attached, its next phase would undo this change.
    if (schedule) await this.release(schedule.id, key);
    const trialEnd = trialEndAfterChange(sub, target, Math.floor(this.options.now().getTime() / 1000));
    const items = [{ id: item.id, price: target.priceId }];
    const updated = await this.gateway.call('subscriptions.update', (s) =>
      s.subscriptions.update(
        sub.id,
        downgrade && trialEnd !== 'now'
          ? { items, proration_behavior: 'create_prorations', ...(trialEnd !== undefined ? { trial_end: trialEnd } : {}), ...discounts }
          : // Ending a trial invoices the new price at once: like any upgrade, it applies only once paid.
            {
              items,
              proration_behavior: 'always_invoice',
              payment_behavior: 'pending_if_incomplete',
              ...(trialEnd !== undefined ? { trial_end: trialEnd } : {}),
              // Since API 2026-05-27 a pending update carries discounts too: unpaid, the code waits with the change.
              ...discounts,
              // The invoice awaiting payment, for the 402's payment link.
              expand: ['latest_invoice'],
            },
        { idempotencyKey: key('subscription.change') },
      ),
    );
    const state = (await this.sync.syncSubscription(sub.id)) ?? billable;
    if (updated.pending_update) {
      this.logger.log(`plan change of ${sub.id} to ${target.plan.key} awaits payment; old plan kept`);
      const paymentRecovery = recoveryOf(updated.latest_invoice);
      throw new PaymentsException(402, 'payment_failed', 'The payment for the new plan failed; your current plan is unchanged.', {
        subscription: this.view(state),
        ...(paymentRecovery ? { paymentRecovery } : {}),
      });
    }
    this.logger.log(`subscription ${sub.id} changed to ${target.plan.key} (${downgrade ? 'downgrade' : 'upgrade'})`);
    return { ...this.view(state), scheduledChange: null };
  }

  /** The refusals and reads both a change and its preview start with (no write). */
  private async resolveChange(billableId: string, input: ChangePlanInput) {
    assertPromotionCodesAccepted(this.options, input.promotionCode);
    if (this.catalog.get(input.plan)?.free) {
      throw new PaymentsException(400, 'invalid_plan', 'To move to the free plan, cancel the subscription.', { plan: input.plan });
    }
    resolvePaidPrice(this.catalog, input.plan, input.interval);
    const billable = await this.store.findById(billableId);
    if (!billable) throw billableNotFound();
    if (!billable.stripeSubscriptionId || !isSubscribed(billable, new Date(), this.options.pastDue)) throw noSubscription();

    // The latest invoice comes along for a 402's payment link, at no extra call.
    const sub = await this.gateway.call('subscriptions.retrieve', (s) => s.subscriptions.retrieve(billable.stripeSubscriptionId as string, { expand: ['latest_invoice'] }));
    if (!LIVE_STATUSES.includes(sub.status)) throw noSubscription();
    const item = sub.items.data[0];
    const current = this.catalog.byPriceId(item.price.id);
    const target = resolvePaidPrice(this.catalog, input.plan, input.interval ?? this.keptInterval(input.plan, current?.interval));
    assertSeatsFitChange(this.catalog, sub, target.plan);
    const schedule = await this.openSchedule(sub);
    const downgrade = current !== undefined && target.plan.rank < current.plan.rank;
    // Looked up before any write, so an unknown code changes nothing.
    const promotion = input.promotionCode === undefined ? null : await findPromotionCode(this.gateway, input.promotionCode, customerOf(sub));
    const discounts: { discounts?: { promotion_code: string }[] } = promotion ? { discounts: [{ promotion_code: promotion }] } : {};
    return { billable, sub, item, target, schedule, downgrade, discounts };
  }

  /** With no interval given, keep the current one when the target plan sells it. */
  private keptInterval(planKey: string, interval: BillingInterval | undefined): BillingInterval | undefined {
    return interval && this.catalog.get(planKey)?.prices[interval] ? interval : undefined;
  }

  /**
   * A downgrade that starts at the period end: a subscription schedule whose second phase has the
   * new price, so the customer keeps what they paid for and no local state changes until Stripe
   * switches the price (the webhook then syncs it). An existing schedule is reused: a subscription
   * can have only one, and asking the same downgrade twice changes nothing.
   */
  private async scheduleAtPeriodEnd(
    sub: Stripe.Subscription,
    item: Stripe.SubscriptionItem,
    target: ResolvedPrice,
    key: (action: string) => string,
    existing: Stripe.SubscriptionSchedule | null,
    discounts: { discounts?: { promotion_code: string }[] },
  ): Promise<Date> {
    const period = subscriptionPeriod(sub, item);
    if (period.end === null || period.start === null) {
      // Without a period end the schedule's first phase would have no end: refuse rather than guess.
      throw new PaymentsException(502, 'stripe_error', 'The payment provider sent a subscription without a billing period; the change was not scheduled.');
    }
    const periodEnd = period.end;
    const periodStart = period.start;
    if (!discounts.discounts && existing && nextPhasePrice(existing) === target.priceId && existing.current_phase?.end_date === periodEnd) {
      return new Date(periodEnd * 1000);
    }
    const schedule =
      existing ??
      (await this.gateway.call('subscriptionSchedules.create', (s) =>
        s.subscriptionSchedules.create({ from_subscription: sub.id }, { idempotencyKey: key('schedule.create') }),
      ));
    const quantity = item.quantity ?? 1;
    await this.gateway.call('subscriptionSchedules.update', (s) =>
      s.subscriptionSchedules.update(
        schedule.id,
        {
          end_behavior: 'release',
          proration_behavior: 'none',
          // Past phases may be left out, but the current one must keep its start date.
          phases: [
            { items: [{ price: item.price.id, quantity }], start_date: schedule.current_phase?.start_date ?? periodStart, end_date: periodEnd },
            // A promotion code given with a deferred downgrade applies from the new plan's first period.
            { items: [{ price: target.priceId, quantity }], duration: { interval: target.interval, interval_count: 1 }, ...discounts },
          ],
        },
        { idempotencyKey: key('schedule.update') },
      ),
    );
    this.logger.log(`downgrade of ${sub.id} to ${target.plan.key} scheduled for the period end`);
    return new Date(periodEnd * 1000);
  }

  /** The subscription's schedule while it still drives the subscription, else null. */
  private async openSchedule(sub: Stripe.Subscription): Promise<Stripe.SubscriptionSchedule | null> {
    const id = typeof sub.schedule === 'string' ? sub.schedule : sub.schedule?.id;
    if (!id) return null;
    const schedule = await this.gateway.call('subscriptionSchedules.retrieve', (s) => s.subscriptionSchedules.retrieve(id));
    return schedule.status === 'active' || schedule.status === 'not_started' ? schedule : null;
  }

  /** Releasing (not cancelling: that would end the subscription) keeps the subscription as it is now. */
  private async release(scheduleId: string, key: (action: string) => string): Promise<void> {
    await this.gateway.call('subscriptionSchedules.release', (s) => s.subscriptionSchedules.release(scheduleId, {}, { idempotencyKey: key('schedule.release') }));
  }

  private view(state: Billable): SubscriptionView {
    return subscriptionView(state, this.catalog, this.options.pastDue);
  }
}

/**
 * The trial a plan change leaves (issue 10, item 2): a trial carries over only onto a plan that
 * offers one itself, and never past what that plan's trial would give from the trial's start nor
 * past the current end; otherwise it ends now, so the new price is invoiced (and paid) first.
 * Returns undefined when the subscription is not trialing or its trial stays as it is.
 */
export function trialEndAfterChange(sub: Stripe.Subscription, target: ResolvedPrice, nowSeconds: number): 'now' | number | undefined {
  if (sub.status !== 'trialing' || !sub.trial_end || sub.trial_end <= nowSeconds) return undefined;
  const offered = target.plan.trialDays;
  if (!offered) return 'now';
  const cap = (sub.trial_start ?? nowSeconds) + offered * 86_400;
  if (cap <= nowSeconds) return 'now';
  return cap < sub.trial_end ? cap : undefined;
}

function subscriptionEnding(): PaymentsException {
  return new PaymentsException(400, 'subscription_ending', 'Your subscription ends at the period end; resume it before changing plan.');
}

function changeAwaitingPayment(paymentRecovery: PaymentRecovery | null): PaymentsException {
  return new PaymentsException(402, 'payment_action_required', 'A previous plan change is waiting for its payment; settle it in the billing portal first.', {
    ...(paymentRecovery ? { paymentRecovery } : {}),
  });
}

function alreadyOnPlan(plan: string): PaymentsException {
  return new PaymentsException(400, 'already_on_plan', 'You are already on this plan.', { plan });
}

/** 400 for a change or cancel without a live subscription. */
export function noSubscription(): PaymentsException {
  return new PaymentsException(400, 'no_subscription', 'You have no active subscription; start one with checkout.');
}

/** The price of the phase after the current one: the change a schedule is waiting to make. */
export function nextPhasePrice(schedule: Stripe.SubscriptionSchedule): string | null {
  const end = schedule.current_phase?.end_date;
  const next = schedule.phases.find((p) => p.start_date === end);
  const price = next?.items[0]?.price;
  return price === undefined ? null : typeof price === 'string' ? price : price.id;
}

function customerOf(sub: Stripe.Subscription): string {
  return typeof sub.customer === 'string' ? sub.customer : sub.customer.id;
}
