import type { UsageReporter } from './usage-reporter';

/** How metered usage is reported (`metering` in the module options). */
export interface MeteringOptions {
  /** Length of a reporting window in minutes; one meter event per billable, meter and window. Must divide a day. Default 60. */
  windowMinutes?: number;
  /** Seconds after a window ends before it is reported, so uses still in flight land in it. Default 60. */
  graceSeconds?: number;
  /** Prefix of meter event identifiers (one per app when several apps share a Stripe account). Default 'nhp'. */
  identifierPrefix?: string;
  /** Sends window aggregates; default the Stripe Billing Meters adapter. */
  reporter?: UsageReporter;
}

export type ResolvedMeteringOptions = Required<Omit<MeteringOptions, 'reporter'>> & { reporter?: UsageReporter };

/** Fills in `metering`'s defaults; `fail` reports a wrong value at start-up with one sentence. */
export function resolveMeteringOptions(given: MeteringOptions | undefined, fail: (sentence: string) => never): ResolvedMeteringOptions {
  const options = given ?? {};
  if (typeof options !== 'object') fail('metering must be an object such as { windowMinutes: 60 }.');
  const windowMinutes = options.windowMinutes ?? 60;
  if (!Number.isInteger(windowMinutes) || windowMinutes < 1 || 1440 % windowMinutes !== 0) {
    fail(`metering.windowMinutes must be a whole number of minutes that divides a day (1, 5, 15, 60, 1440...), not ${String(windowMinutes)}.`);
  }
  const graceSeconds = options.graceSeconds ?? 60;
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > 86_400) fail(`metering.graceSeconds must be a whole number from 0 to 86400, not ${String(graceSeconds)}.`);
  const identifierPrefix = options.identifierPrefix ?? 'nhp';
  if (typeof identifierPrefix !== 'string' || !/^[A-Za-z0-9_-]{1,16}$/.test(identifierPrefix)) {
    fail('metering.identifierPrefix must be 1 to 16 letters, digits, _ or -.');
  }
  if (options.reporter !== undefined && typeof options.reporter?.report !== 'function') fail('metering.reporter must be an object with report(usage) (a UsageReporter).');
  return { windowMinutes, graceSeconds, identifierPrefix, reporter: options.reporter };
}
