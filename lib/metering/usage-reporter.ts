/** One aggregate to send: all units of a billable on a meter in one window (sequence). */
export interface UsageReport {
  /** Deterministic: the same for every retry of this window sequence. */
  identifier: string;
  /** The meter's event name. */
  meter: string;
  billableId: string;
  /** The billable's Stripe customer. */
  customerId: string;
  value: number;
  /** Event time, unix seconds, inside the window. */
  timestamp: number;
}

/**
 * What a send came to: `sent` (also when the identifier was already recorded), `slow_down` with
 * the time to try again (rate limit), or `rejected` for good (unknown meter or customer, outside
 * the backdating limit) with a short reason code. Transient failures (5xx, timeouts) throw:
 * the queue retries with the same identifier.
 */
export type UsageReportOutcome = { kind: 'sent' } | { kind: 'slow_down'; retryAt: Date } | { kind: 'rejected'; reason: string };

/**
 * Where window aggregates go. The Stripe Billing Meters adapter is built in; another billing
 * backend (e.g. Metronome) implements this and is passed as `metering.reporter`.
 */
export interface UsageReporter {
  report(usage: UsageReport): Promise<UsageReportOutcome>;
  /** Units the backend holds for a customer on a meter in [start, end), for reconciliation; null when it cannot tell. */
  totals?(meter: string, customerId: string, start: Date, end: Date): Promise<number | null>;
}

/** Injection token of the reporter in use. */
export const USAGE_REPORTER = 'PAYMENTS:USAGE_REPORTER';
