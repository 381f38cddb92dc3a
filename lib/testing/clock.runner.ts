import type Stripe from 'stripe';
import { SECONDS_PER_DAY } from './billing-period';
import { CheckoutFlow } from './checkout.flow';
import { clone, FakeContext } from './fake-context';
import { voidInvoice } from './invoicing';
import { SubscriptionEngine } from './subscription.engine';
import { ScheduleEngine } from './subscription-schedule.engine';

interface Due {
  at: number;
  run: () => void;
}

const INCOMPLETE_LIFETIME = 23 * 3600;

/**
 * The test clock: moves time forward one due action at a time (trial reminders, period ends,
 * payment retries, expiries), so events come out in the order Stripe would produce them.
 */
export class ClockRunner {
  private current: number;

  constructor(
    private readonly ctx: FakeContext,
    private readonly engine: SubscriptionEngine,
    private readonly checkout: CheckoutFlow,
    private readonly schedules: ScheduleEngine,
    start: number,
  ) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  advanceTo(target: number): void {
    for (let guard = 0; guard < 100_000; guard++) {
      const next = this.nextDue(target);
      if (!next) break;
      this.current = Math.max(this.current, next.at);
      next.run();
    }
    this.current = Math.max(this.current, target);
  }

  private nextDue(limit: number): Due | undefined {
    let best: Due | undefined;
    const consider = (at: number | null | undefined, run: () => void): void => {
      if (at === null || at === undefined || at > limit) return;
      if (!best || at < best.at) best = { at, run };
    };
    const { store } = this.ctx;
    // Schedules first: on a tie a phase switch must run before the renewal it reprices.
    for (const schedule of store.subscriptionSchedules.values()) {
      consider(this.schedules.dueAt(schedule), () => this.schedules.phaseEnded(schedule));
    }
    for (const sub of store.subscriptions.values()) this.subscriptionDue(sub, consider);
    for (const inv of store.invoices.values()) {
      if (inv.status !== 'open' || inv.next_payment_attempt === null || !inv.auto_advance) continue;
      consider(inv.next_payment_attempt, () => this.engine.pay(inv));
    }
    for (const session of store.checkoutSessions.values()) {
      if (session.status === 'open') consider(session.expires_at, () => this.checkout.expire(session.id));
    }
    return best;
  }

  private subscriptionDue(sub: Stripe.Subscription, consider: (at: number | null, run: () => void) => void): void {
    const extras = this.ctx.store.subExtras(sub.id);
    if (sub.status === 'trialing' && sub.trial_end && !extras.trialWillEndSent) {
      consider(Math.max(this.current, sub.trial_end - 3 * SECONDS_PER_DAY), () => this.engine.maybeTrialWillEnd(sub));
    }
    if (sub.status === 'incomplete') {
      consider(sub.created + INCOMPLETE_LIFETIME, () => this.expireIncomplete(sub));
      return;
    }
    if (sub.pending_update) {
      consider(sub.pending_update.expires_at, () => this.expirePendingUpdate(sub));
    }
    if (!['active', 'trialing', 'past_due'].includes(sub.status)) return;
    const periodEnd = sub.items.data[0].current_period_end;
    if (sub.cancel_at !== null && sub.cancel_at < periodEnd) {
      consider(sub.cancel_at, () => this.engine.cancelNow(sub, 'cancellation_requested'));
    }
    consider(periodEnd, () => this.engine.renew(sub));
  }

  private expireIncomplete(sub: Stripe.Subscription): void {
    const before = clone(sub);
    sub.status = 'incomplete_expired';
    sub.ended_at = this.ctx.now();
    const invoice = typeof sub.latest_invoice === 'string' ? this.ctx.store.invoices.get(sub.latest_invoice) : undefined;
    if (invoice) voidInvoice(this.ctx, invoice);
    this.ctx.emit('customer.subscription.updated', sub, before);
  }

  private expirePendingUpdate(sub: Stripe.Subscription): void {
    const before = clone(sub);
    sub.pending_update = null;
    for (const inv of this.ctx.store.invoices.values()) {
      const extras = this.ctx.store.invoiceExtras.get(inv.id as string);
      if (extras?.pendingItems && inv.parent?.subscription_details?.subscription === sub.id) {
        extras.pendingItems = undefined;
        voidInvoice(this.ctx, inv);
      }
    }
    this.ctx.emit('customer.subscription.pending_update_expired', sub);
    this.ctx.emit('customer.subscription.updated', sub, before);
  }
}
