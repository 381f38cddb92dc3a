import type { PaymentsModuleOptions, RetentionOptions } from '../../payments.options';

const DAY_SECONDS = 86_400;

/** Fills in `retention`'s defaults; `fail` reports a wrong value at start-up. */
export function resolveRetention(options: PaymentsModuleOptions, windowSeconds: number, fail: (sentence: string) => never): Required<RetentionOptions> {
  const given = options.retention ?? {};
  const resolved = {
    webhookEventsDays: given.webhookEventsDays ?? 30,
    usageRecordsDays: given.usageRecordsDays ?? 30,
    intervalMs: given.intervalMs ?? 3_600_000,
    batchSize: given.batchSize ?? 1000,
    workItemsDays: given.workItemsDays ?? 7,
  };
  // Stripe redelivers an event for up to 3 days: an inbox row pruned earlier could be processed twice.
  if (!Number.isFinite(resolved.webhookEventsDays) || resolved.webhookEventsDays < 3) {
    fail(`retention.webhookEventsDays must be at least 3 (Stripe resends events for up to 3 days), not ${String(resolved.webhookEventsDays)}.`);
  }
  if (!Number.isFinite(resolved.usageRecordsDays) || resolved.usageRecordsDays * DAY_SECONDS < windowSeconds) {
    fail(`retention.usageRecordsDays must cover usageIdempotency.windowSeconds (${windowSeconds} s), not ${String(resolved.usageRecordsDays)}.`);
  }
  if (!Number.isFinite(resolved.workItemsDays) || resolved.workItemsDays < 1) fail(`retention.workItemsDays must be at least 1, not ${String(resolved.workItemsDays)}.`);
  if (!Number.isInteger(resolved.intervalMs) || resolved.intervalMs < 0) fail(`retention.intervalMs must be a whole number of ms, 0 to turn the job off, not ${String(resolved.intervalMs)}.`);
  if (!Number.isInteger(resolved.batchSize) || resolved.batchSize < 1 || resolved.batchSize > 10_000) {
    fail(`retention.batchSize must be a whole number from 1 to 10000, not ${String(resolved.batchSize)}.`);
  }
  return resolved;
}
