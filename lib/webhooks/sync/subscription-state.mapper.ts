import type Stripe from 'stripe';
import { BillingState } from '../../persistence/billing-state';
import { PlanCatalog } from '../../plans/plan-catalog';
import { subscriptionPeriod } from '../../stripe/billing-period';

/** Statuses after which a subscription never collects again: back to the free plan. */
export const ENDED_STATUSES: readonly string[] = ['canceled', 'incomplete_expired'];
/** Statuses of a subscription that holds the billable (a second one like it would double-charge). */
export const HOLDING_STATUSES: readonly string[] = ['trialing', 'active', 'past_due', 'unpaid', 'paused'];

/** Stripe's unix seconds as a Date; null when absent, zero or not a number (a bad payload never stores NaN). */
export const toDate = (seconds: number | null | undefined): Date | null =>
  typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : null;

/** The id of a Stripe reference that may be expanded (`'cus_1'` or `{ id: 'cus_1', ... }`). */
export function refId(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') return (value as { id: string }).id;
  return null;
}

/** The subscription's first item's price id: the price that names the plan. */
export function subscriptionPriceId(sub: Stripe.Subscription): string | null {
  const item = sub.items?.data?.[0];
  return refId(item?.price) ?? null;
}

/**
 * When a past-due run started, from Stripe's clock: the failing (latest) invoice's finalisation,
 * so replays and shuffled deliveries agree. Falls back to `fallback` when it is not expanded.
 */
export function pastDueStartedAt(sub: Stripe.Subscription, fallback: Date): Date {
  const invoice = sub.latest_invoice as Stripe.Invoice | string | null;
  if (invoice && typeof invoice === 'object') {
    return toDate(invoice.status_transitions?.finalized_at) ?? toDate(invoice.created) ?? fallback;
  }
  return fallback;
}

/**
 * The billing columns a Stripe subscription implies. Plan comes from the price through the
 * catalogue (never metadata); periods from the items (API 2025-03-31+, with the old top-level
 * fields as a fallback); `pastDueSince` is kept through a run of failures and cleared after.
 */
export function stateFromSubscription(
  sub: Stripe.Subscription,
  previous: BillingState,
  catalog: PlanCatalog,
  options: { syncedAt: Date; pastDueFallback: Date },
): { patch: Partial<BillingState>; unknownPriceId: string | null } {
  const priceId = subscriptionPriceId(sub);
  const known = catalog.byPriceId(priceId);
  const ended = ENDED_STATUSES.includes(sub.status);
  const period = subscriptionPeriod(sub);
  const sameSubscription = previous.stripeSubscriptionId === sub.id;
  const stillPastDue = sameSubscription && previous.subscriptionStatus === 'past_due' && previous.pastDueSince;
  const patch: Partial<BillingState> = {
    stripeSubscriptionId: sub.id,
    // Paused collection means no payment and no service: stored as Stripe's own `paused` status.
    subscriptionStatus: !ended && sub.pause_collection ? 'paused' : sub.status,
    plan: ended ? null : (known?.plan.key ?? null),
    currentPeriodStart: toDate(period.start),
    currentPeriodEnd: toDate(period.end),
    cancelAtPeriodEnd: sub.cancel_at_period_end === true,
    cancelAt: toDate(sub.cancel_at),
    trialStart: toDate(sub.trial_start),
    trialEnd: toDate(sub.trial_end),
    trialUsed: previous.trialUsed === true || !!sub.trial_start,
    pastDueSince: sub.status === 'past_due' ? (stillPastDue ? previous.pastDueSince : pastDueStartedAt(sub, options.pastDueFallback)) : null,
    billingSyncedAt: options.syncedAt,
  };
  return { patch, unknownPriceId: !ended && priceId && !known ? priceId : null };
}

/** The billing columns as a plain snapshot (the entity row may carry methods and other columns). */
export function snapshotState(row: Partial<BillingState>): BillingState {
  return {
    stripeCustomerId: row.stripeCustomerId ?? null,
    stripeSubscriptionId: row.stripeSubscriptionId ?? null,
    plan: row.plan ?? null,
    subscriptionStatus: row.subscriptionStatus ?? null,
    currentPeriodStart: row.currentPeriodStart ?? null,
    currentPeriodEnd: row.currentPeriodEnd ?? null,
    cancelAtPeriodEnd: row.cancelAtPeriodEnd === true,
    cancelAt: row.cancelAt ?? null,
    trialStart: row.trialStart ?? null,
    trialEnd: row.trialEnd ?? null,
    trialUsed: row.trialUsed === true,
    pastDueSince: row.pastDueSince ?? null,
    billingVersion: row.billingVersion ?? 0,
    billingSyncedAt: row.billingSyncedAt ?? null,
  };
}

/**
 * True when writing `patch` over `previous` would change what a reader sees (the sync time and
 * version aside). Dates are compared to the second, the precision Stripe and every database keep.
 */
export function changesState(previous: BillingState, patch: Partial<BillingState>): boolean {
  return (Object.keys(patch) as (keyof BillingState)[]).some((key) => key !== 'billingSyncedAt' && key !== 'billingVersion' && !sameValue(previous[key], patch[key]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    const seconds = (d: unknown) => (d instanceof Date ? Math.floor(d.getTime() / 1000) : null);
    return seconds(a) === seconds(b);
  }
  return (a ?? null) === (b ?? null);
}
