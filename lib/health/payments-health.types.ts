/** Thresholds of one `PaymentsHealthIndicator.isHealthy()` check. */
export interface PaymentsHealthOptions {
  /** Check that Stripe answers (one `prices.list` call, cached). Default true. */
  stripe?: boolean;
  /** Seconds a Stripe answer (up or down) is reused, so probes never become a Stripe call each. Default 60. */
  stripeCacheSeconds?: number;
  /** Webhook events in `failed` above which the check is down. Default 10. */
  maxFailedEvents?: number;
  /** Age in seconds of the oldest event not yet processed above which the check is down. Default 3600. */
  maxBacklogAgeSeconds?: number;
  /** Work queue items in `failed` above which the check is down. Default 10. */
  maxFailedWorkItems?: number;
  /** Seconds the most overdue due work item has waited above which the check is down. Default 3600. */
  maxWorkBacklogAgeSeconds?: number;
  /** Usage-billing windows Stripe refused (never billed) above which the check is down. Default 0. */
  maxFlaggedMeterWindows?: number;
}

/** What the check reports under its key (Terminus' `HealthIndicatorResult` shape). */
export interface PaymentsHealthDetails {
  status: 'up' | 'down';
  database: 'up' | 'down';
  stripe: 'up' | 'down' | 'skipped';
  /** Webhook events that failed and wait for Stripe's retry or `events:replay`; null when the database is down. */
  failedEvents: number | null;
  /** Seconds since the oldest event not yet processed arrived; 0 with none, null when the database is down. */
  oldestUnprocessedSeconds: number | null;
  /** Work queue items that ran out of attempts (`queue:failed`, `queue:retry`); null when the database is down. */
  failedWorkItems: number | null;
  /** Seconds the most overdue due work item has waited; 0 with none, null when the database is down. */
  oldestDueWorkSeconds: number | null;
  /** Usage-billing windows flagged as never billable (see usage:reconcile); null when the database is down. */
  flaggedMeterWindows: number | null;
  /** One sentence per failing part; empty when up. */
  problems: string[];
}
