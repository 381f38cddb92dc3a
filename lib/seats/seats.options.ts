import type { BillingInterval } from '../plans/plan.types';

/** Stripe's `proration_behavior` for a quantity change. */
export type SeatProration = 'create_prorations' | 'always_invoice' | 'none';

/** How seat additions and removals are billed on plans of one interval. */
export interface SeatProrationRule {
  /** Seats added mid-period. */
  add?: SeatProration;
  /** Seats removed mid-period (the lower quantity is billed from the next period; `none` gives no credit). */
  remove?: SeatProration;
}

/** Seats (issue 13): how changes reach Stripe and who the acting member is. */
export interface SeatsOptions {
  /** Seconds a seat change waits before it is pushed to Stripe, so rapid changes make one quantity update. Default 60. */
  coalesceSeconds?: number;
  /**
   * Proration by plan interval. Default: day/week/month add `create_prorations` (charged on the next
   * invoice), year adds `always_invoice` (charged now, never a year late); every interval removes
   * with `none` (no credit; the lower quantity is billed from the next period).
   */
  proration?: Partial<Record<BillingInterval, SeatProrationRule>>;
  /** The member acting in a request, for `@RequiresSeat()` and per-member usage. Default `req.user?.id`. */
  getMemberId?: (request: any) => string | number | null | undefined;
  /**
   * Whether a member id belongs to the billable (only the app knows its memberships). Asked before a
   * member takes a seat (`POST /seats` and `SeatService.add/set` with members, `claim`, `@RequiresSeat()`);
   * anything but `true` is 403 `not_a_member`. May be async. Default: none (every id is accepted).
   */
  isMember?: (billableId: string, memberId: string) => boolean | Promise<boolean>;
}

/** `seats` after validation. */
export interface ResolvedSeatsOptions {
  coalesceSeconds: number;
  proration: Record<BillingInterval, Required<SeatProrationRule>>;
  getMemberId: (request: any) => string | number | null | undefined;
  isMember?: (billableId: string, memberId: string) => boolean | Promise<boolean>;
}

const BEHAVIOURS: readonly SeatProration[] = ['create_prorations', 'always_invoice', 'none'];
const INTERVALS: readonly BillingInterval[] = ['day', 'week', 'month', 'year'];

/** The safe defaults the docs' proration table lists. */
export const DEFAULT_SEAT_PRORATION: Record<BillingInterval, Required<SeatProrationRule>> = {
  day: { add: 'create_prorations', remove: 'none' },
  week: { add: 'create_prorations', remove: 'none' },
  month: { add: 'create_prorations', remove: 'none' },
  year: { add: 'always_invoice', remove: 'none' },
};

const defaultMemberId = (request: any) => request?.user?.id;

/** Fills in `seats`' defaults; `fail` reports a wrong value at start-up. */
export function resolveSeatsOptions(given: SeatsOptions | undefined, fail: (sentence: string) => never): ResolvedSeatsOptions {
  const seats = given ?? {};
  const coalesceSeconds = seats.coalesceSeconds ?? 60;
  if (typeof coalesceSeconds !== 'number' || !Number.isFinite(coalesceSeconds) || coalesceSeconds < 0 || coalesceSeconds > 3600) {
    fail(`seats.coalesceSeconds must be a number of seconds from 0 to 3600, not ${String(coalesceSeconds)}.`);
  }
  const proration = { ...DEFAULT_SEAT_PRORATION };
  for (const [interval, rule] of Object.entries(seats.proration ?? {})) {
    if (!INTERVALS.includes(interval as BillingInterval)) fail(`seats.proration.${interval} is not a billing interval; use day, week, month or year.`);
    for (const [change, behaviour] of Object.entries(rule ?? {})) {
      if (change !== 'add' && change !== 'remove') fail(`seats.proration.${interval}.${change} is unknown; use add or remove.`);
      if (!BEHAVIOURS.includes(behaviour as SeatProration)) fail(`seats.proration.${interval}.${change} must be 'create_prorations', 'always_invoice' or 'none', not '${String(behaviour)}'.`);
    }
    proration[interval as BillingInterval] = { ...DEFAULT_SEAT_PRORATION[interval as BillingInterval], ...rule };
  }
  if (seats.getMemberId !== undefined && typeof seats.getMemberId !== 'function') fail('seats.getMemberId must be a function (req) => member id, e.g. req => req.user?.id.');
  if (seats.isMember !== undefined && typeof seats.isMember !== 'function') fail('seats.isMember must be a function (billableId, memberId) => boolean, e.g. checking your members table.');
  return { coalesceSeconds, proration, getMemberId: seats.getMemberId ?? defaultMemberId, isMember: seats.isMember };
}
