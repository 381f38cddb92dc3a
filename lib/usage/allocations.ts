import type { UsagePeriod } from './usage-period';

/**
 * The one "period" of allocations (limits that never reset: projects, API keys). They share the
 * usage counters table, and so its exact conditional increments, under a period no usage period
 * can have: it starts at the epoch and never ends in practice.
 */
export const ALLOCATION_PERIOD: UsagePeriod = { start: new Date(Date.UTC(1970, 0, 1)), end: new Date(Date.UTC(9999, 11, 31)), source: 'allocation' };

/** One allocation of a billable: held units and the plan's limit. */
export interface AllocationMeter {
  name: string;
  used: number;
  /** The plan's limit; -1 is unlimited, 0 means the plan does not include it. */
  limit: number;
  /** Units left (never below 0); null when unlimited. */
  remaining: number | null;
  unlimited: boolean;
}

/** The counter name of an allocation: prefixed so it can never share a row with a usage metric. */
export const allocationMetric = (name: string): string => `alloc:${name}`;

export function allocationMeter(name: string, used: number, limit: number): AllocationMeter {
  const unlimited = limit < 0;
  return { name, used, limit, remaining: unlimited ? null : Math.max(0, limit - used), unlimited };
}
