import { PastDuePolicy } from '../payments.options';
import { BillingState } from '../persistence/billing-state';

/** The part of the billing state the status predicates read. */
export type StatusSnapshot = Pick<
  BillingState,
  'plan' | 'subscriptionStatus' | 'currentPeriodStart' | 'currentPeriodEnd' | 'cancelAtPeriodEnd' | 'cancelAt' | 'trialEnd' | 'pastDueSince'
> & {
  /** A plan held for life through a one-time product (`grantsPlan`), read beside the columns; absent without one. */
  lifetimePlan?: string | null;
};

const DAY_MS = 86_400_000;

/** Statuses in which Stripe may still collect money for the subscription. */
export const LIVE_STATUSES: readonly string[] = ['trialing', 'active', 'past_due', 'unpaid', 'incomplete', 'paused'];

/** When a cancelled subscription stops: `cancel_at`, else the period end if cancelling at period end. */
export function endsAt(state: StatusSnapshot): Date | null {
  if (state.cancelAt) return state.cancelAt;
  return state.cancelAtPeriodEnd ? state.currentPeriodEnd : null;
}

/** On a trial that has not ended yet. */
export function onTrial(state: StatusSnapshot, now: Date): boolean {
  return state.subscriptionStatus === 'trialing' && state.trialEnd !== null && state.trialEnd.getTime() > now.getTime() && !ended(state, now);
}

/** Cancelled, still inside the paid (or trial) period: Cashier's grace period, when resume works. */
export function onGracePeriod(state: StatusSnapshot, now: Date): boolean {
  const end = endsAt(state);
  return (state.subscriptionStatus === 'active' || state.subscriptionStatus === 'trialing') && end !== null && end.getTime() > now.getTime();
}

/**
 * Past due and still allowed in by the policy. The grace counts from `pastDueSince`; when that was
 * never recorded, from the start of the period whose renewal failed (a failed renewal has already
 * moved the period), and with neither date nothing proves the grace is still running, so it denies.
 */
export function inPastDueGrace(state: StatusSnapshot, now: Date, policy: Required<PastDuePolicy>): boolean {
  if (state.subscriptionStatus !== 'past_due' || ended(state, now)) return false;
  if (policy.access === 'keep') return true;
  if (policy.access === 'deny') return false;
  const since = state.pastDueSince ?? state.currentPeriodStart ?? null;
  if (!since) return false;
  return since.getTime() + policy.graceDays * DAY_MS > now.getTime();
}

/**
 * Cashier's `valid()`: active, on trial, on grace after a cancel, or past due within policy.
 * Any other status, including one Stripe adds later, denies.
 */
export function isSubscribed(state: StatusSnapshot, now: Date, policy: Required<PastDuePolicy>): boolean {
  switch (state.subscriptionStatus) {
    case 'active':
      return !ended(state, now);
    case 'trialing':
      return !ended(state, now) && (state.trialEnd === null || state.trialEnd.getTime() > now.getTime());
    case 'past_due':
      return inPastDueGrace(state, now, policy);
    default:
      return false;
  }
}

/** Whole days until the current period ends, for a live subscription; else null. */
export function daysUntilRenewal(state: StatusSnapshot, now: Date, policy: Required<PastDuePolicy>): number | null {
  if (!isSubscribed(state, now, policy) || !state.currentPeriodEnd) return null;
  return Math.max(0, Math.ceil((state.currentPeriodEnd.getTime() - now.getTime()) / DAY_MS));
}

function ended(state: StatusSnapshot, now: Date): boolean {
  const end = endsAt(state);
  return end !== null && end.getTime() <= now.getTime();
}
