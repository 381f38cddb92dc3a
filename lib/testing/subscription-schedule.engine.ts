import type Stripe from 'stripe';
import { clone, FakeContext } from './fake-context';
import { buildSubscriptionSchedule } from './objects/subscription-schedule.factory';
import { PhasePlanner } from './subscription-schedule.phases';
import { badParam, missing, StripeApiError } from './stripe-api.error';
import { SubscriptionEngine } from './subscription.engine';
import { applyItemChanges } from './subscription-items';
import { attachDiscounts } from './tax-and-discounts';
import { RequestParams } from './request-params';

type Schedule = Stripe.SubscriptionSchedule;

const END_BEHAVIORS = ['release', 'cancel', 'none', 'renew'] as const;

/**
 * Subscription schedules attached to existing subscriptions (`from_subscription`): phase updates,
 * the switch to the next phase's prices at the boundary (the renewal is billed at the new price),
 * release / cancel, and the end behaviour after the last phase.
 */
export class ScheduleEngine {
  private readonly phases: PhasePlanner;

  constructor(private readonly ctx: FakeContext, private readonly engine: SubscriptionEngine) {
    this.phases = new PhasePlanner(ctx, engine);
    // A subscription ending on its own (DELETE, retries exhausted) takes its schedule with it.
    engine.canceledListeners.push((sub, reason) => this.subscriptionEnded(sub, reason));
  }

  get(id: string): Schedule {
    const schedule = this.ctx.store.subscriptionSchedules.get(id);
    if (!schedule) throw missing('subscription_schedule', id);
    return schedule;
  }

  /** `POST /v1/subscription_schedules` with `from_subscription`: one phase mirroring the current period. */
  createFromSubscription(params: RequestParams): Schedule {
    const { ctx } = this;
    const subId = params.str('from_subscription');
    if (subId === undefined) {
      throw badParam('from_subscription', 'FakeStripe supports only subscription schedules created with `from_subscription`.');
    }
    for (const key of Object.keys(params.raw)) {
      if (!['from_subscription', 'metadata', 'expand'].includes(key)) {
        throw badParam(key, `You cannot set \`${key}\` if \`from_subscription\` is set.`);
      }
    }
    const sub = ctx.store.subscriptions.get(subId);
    if (!sub) throw missing('subscription', subId, 'from_subscription');
    if (sub.schedule) {
      throw badParam('from_subscription', `You cannot migrate a subscription that is already attached to a schedule: \`${scheduleId(sub)}\`.`);
    }
    if (sub.status === 'canceled' || sub.status === 'incomplete_expired') {
      throw badParam('from_subscription', `You cannot migrate a subscription with status \`${sub.status}\`.`);
    }
    const schedule = buildSubscriptionSchedule({
      id: ctx.id('sub_sched_'),
      created: ctx.now(),
      customer: sub.customer as string,
      subscription: sub.id,
      phases: [this.phases.mirrorOf(sub)],
      metadata: params.metadata(),
      billingMode: structuredClone(sub.billing_mode) as Stripe.SubscriptionSchedule.BillingMode,
      testClock: sub.test_clock as string | null,
    });
    // A pending cancellation moves into the schedule, as Stripe does.
    if (sub.cancel_at !== null) schedule.end_behavior = 'cancel';
    ctx.store.subscriptionSchedules.set(schedule.id, schedule);
    const before = clone(sub);
    sub.schedule = schedule.id;
    ctx.emit('subscription_schedule.created', schedule);
    ctx.emit('customer.subscription.updated', sub, before);
    return schedule;
  }

  /** `POST /v1/subscription_schedules/:id`: phases (past ones may be left out), end_behavior, metadata. */
  update(schedule: Schedule, params: RequestParams): Schedule {
    const { ctx } = this;
    this.assertOpen(schedule, 'update');
    const before = clone(schedule);
    const endBehavior = params.oneOf('end_behavior', END_BEHAVIORS);
    if (endBehavior) schedule.end_behavior = endBehavior;
    schedule.metadata = params.metadata(schedule.metadata ?? {});
    const sub = this.subscriptionOf(schedule);
    // The schedule owns the cancellation: only end_behavior 'cancel' keeps the subscription ending.
    if (sub && endBehavior && endBehavior !== 'cancel' && sub.cancel_at !== null) {
      const subBefore = clone(sub);
      Object.assign(sub, { cancel_at: null, cancel_at_period_end: false, canceled_at: null });
      ctx.emit('customer.subscription.updated', sub, subBefore);
    }
    const phaseParams = params.list('phases');
    if (phaseParams.length > 0) {
      const fallback = params.oneOf('proration_behavior', ['create_prorations', 'always_invoice', 'none'] as const) ?? 'create_prorations';
      schedule.phases = this.phases.parse(schedule, sub, phaseParams, fallback);
      const current = schedule.phases.find((p) => p.start_date === schedule.current_phase?.start_date);
      if (current) {
        schedule.current_phase = { start_date: current.start_date, end_date: current.end_date };
        // The current phase's prices apply now (the fake does not prorate this mid-period switch).
        if (sub && !samePrices(sub, current)) {
          const subBefore = clone(sub);
          this.switchItems(sub, current);
          ctx.emit('customer.subscription.updated', sub, subBefore);
        }
      }
    }
    ctx.emit('subscription_schedule.updated', schedule, before);
    return schedule;
  }

  /** Stops the schedule and leaves the subscription as it is now. */
  release(schedule: Schedule): Schedule {
    this.assertOpen(schedule, 'release');
    const before = clone(schedule);
    const sub = this.subscriptionOf(schedule);
    schedule.status = 'released';
    schedule.released_at = this.ctx.now();
    schedule.released_subscription = sub?.id ?? null;
    schedule.subscription = null;
    schedule.current_phase = null;
    if (sub) {
      const subBefore = clone(sub);
      sub.schedule = null;
      this.ctx.emit('customer.subscription.updated', sub, subBefore);
    }
    this.ctx.emit('subscription_schedule.released', schedule, before);
    return schedule;
  }

  /** Cancels the schedule and its subscription now. */
  cancel(schedule: Schedule): Schedule {
    this.assertOpen(schedule, 'cancel');
    const before = clone(schedule);
    this.markCanceled(schedule);
    const sub = this.subscriptionOf(schedule);
    if (sub) this.engine.cancelNow(sub, 'cancellation_requested');
    this.ctx.emit('subscription_schedule.canceled', schedule, before);
    return schedule;
  }

  /** When the clock must act on this schedule: the end of its current phase. */
  dueAt(schedule: Schedule): number | null {
    return schedule.status === 'active' ? schedule.current_phase?.end_date ?? null : null;
  }

  /** The current phase ended: switch to the next one (renewing at its prices) or apply `end_behavior`. */
  phaseEnded(schedule: Schedule): void {
    const { ctx } = this;
    const sub = this.subscriptionOf(schedule);
    const at = schedule.current_phase?.end_date ?? ctx.now();
    const next = schedule.phases.find((p) => p.start_date === at);
    if (!sub) {
      this.release(schedule);
      return;
    }
    if (!next) {
      this.finish(schedule, sub);
      return;
    }
    const before = clone(schedule);
    const periodEnd = sub.items.data[0].current_period_end;
    if (periodEnd === at && ['active', 'trialing', 'past_due'].includes(sub.status)) {
      this.engine.renew(sub, (s) => this.switchItems(s, next));
    } else {
      const subBefore = clone(sub);
      this.switchItems(sub, next);
      ctx.emit('customer.subscription.updated', sub, subBefore);
    }
    schedule.current_phase = { start_date: next.start_date, end_date: next.end_date };
    ctx.emit('subscription_schedule.updated', schedule, before);
  }

  private finish(schedule: Schedule, sub: Stripe.Subscription): void {
    if (schedule.end_behavior !== 'cancel') {
      // 'release' (and the fake's reading of 'none'/'renew'): the subscription simply carries on.
      this.release(schedule);
      return;
    }
    const before = clone(schedule);
    schedule.status = 'completed';
    schedule.completed_at = this.ctx.now();
    schedule.current_phase = null;
    this.engine.cancelNow(sub, 'cancellation_requested');
    this.ctx.emit('subscription_schedule.completed', schedule, before);
  }

  private subscriptionEnded(sub: Stripe.Subscription, reason: string | null): void {
    const id = scheduleId(sub);
    const schedule = id ? this.ctx.store.subscriptionSchedules.get(id) : undefined;
    if (!schedule || (schedule.status !== 'active' && schedule.status !== 'not_started')) return;
    const before = clone(schedule);
    this.markCanceled(schedule);
    // Stripe calls a schedule ended by delinquency "aborted".
    this.ctx.emit(reason === 'payment_failed' ? 'subscription_schedule.aborted' : 'subscription_schedule.canceled', schedule, before);
  }

  private markCanceled(schedule: Schedule): void {
    schedule.status = 'canceled';
    schedule.canceled_at = this.ctx.now();
    schedule.current_phase = null;
  }

  private assertOpen(schedule: Schedule, action: string): void {
    if (schedule.status !== 'active' && schedule.status !== 'not_started') {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `You cannot ${action} a subscription schedule that is currently in the \`${schedule.status}\` status. It must be in the \`not_started\` or \`active\` status.`,
      );
    }
  }

  private subscriptionOf(schedule: Schedule): Stripe.Subscription | undefined {
    const id = typeof schedule.subscription === 'string' ? schedule.subscription : schedule.subscription?.id;
    return id ? this.ctx.store.subscriptions.get(id) : undefined;
  }

  /** Puts the phase's prices on the subscription, keeping item ids position by position. */
  private switchItems(sub: Stripe.Subscription, phase: Stripe.SubscriptionSchedule.Phase): void {
    const existing = sub.items.data;
    const changes = phase.items.map((it, i) => ({
      id: existing[i]?.id ?? this.ctx.id('si_'),
      price: typeof it.price === 'string' ? it.price : it.price.id,
      quantity: it.quantity ?? 1,
    }));
    sub.items.data = existing.slice(0, Math.max(1, changes.length));
    applyItemChanges(this.ctx, sub, changes);
    const discounts = (phase.discounts ?? []).map((d) => ({ coupon: stringOrNull(d.coupon), promotion_code: stringOrNull(d.promotion_code) }));
    if (discounts.length > 0) attachDiscounts(this.ctx, sub, discounts);
  }
}

function stringOrNull(value: string | { id: string } | null | undefined): string | null {
  return value == null ? null : typeof value === 'string' ? value : value.id;
}

function scheduleId(sub: Stripe.Subscription): string | null {
  return typeof sub.schedule === 'string' ? sub.schedule : sub.schedule?.id ?? null;
}

function samePrices(sub: Stripe.Subscription, phase: Stripe.SubscriptionSchedule.Phase): boolean {
  const ours = sub.items.data.map((i) => `${i.price.id}x${i.quantity ?? 1}`).sort();
  const theirs = phase.items.map((i) => `${typeof i.price === 'string' ? i.price : i.price.id}x${i.quantity ?? 1}`).sort();
  return JSON.stringify(ours) === JSON.stringify(theirs);
}
