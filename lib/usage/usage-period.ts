import { BillableEntitlements } from '../access/entitlements.service';

/** A usage period: units are counted from `start` (inclusive) to `end` (exclusive). */
export interface UsagePeriod {
  start: Date;
  end: Date;
  /** 'subscription' when it follows Stripe's billing period, 'calendar_month' otherwise; 'allocation' for limits that never reset. */
  source: 'subscription' | 'calendar_month' | 'allocation';
}

/**
 * The period usage counts in: the subscription's current period while the subscription gives
 * access (it moves when Stripe renews and the webhook sync writes the new period), else the UTC
 * calendar month of `now` (the free plan). Whole seconds, so every database stores it exactly.
 */
export function usagePeriod(entitlements: Pick<BillableEntitlements, 'active' | 'state'>, now: Date): UsagePeriod {
  const state = entitlements.state;
  if (entitlements.active && state?.currentPeriodStart && state.currentPeriodEnd && state.currentPeriodEnd > state.currentPeriodStart) {
    return { start: wholeSeconds(state.currentPeriodStart), end: wholeSeconds(state.currentPeriodEnd), source: 'subscription' };
  }
  return calendarMonth(now);
}

/** The UTC calendar month containing `now`. */
export function calendarMonth(now: Date): UsagePeriod {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { start, end, source: 'calendar_month' };
}

/** Seconds until the period resets, at least 1 (for `Retry-After`). */
export function secondsUntil(end: Date, now: Date): number {
  return Math.max(1, Math.ceil((end.getTime() - now.getTime()) / 1000));
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
