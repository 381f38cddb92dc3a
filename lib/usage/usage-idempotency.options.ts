import type { PaymentsModuleOptions, UsageIdempotencyOptions } from '../payments.options';

/** MySQL/MariaDB's TEXT holds 65,535 bytes; the stored envelope adds a few. */
export const MAX_STORED_RESPONSE_BYTES = 65_000;

/** Fills in `usageIdempotency`'s defaults; `fail` reports a wrong value at start-up. */
export function resolveUsageIdempotency(options: PaymentsModuleOptions, fail: (sentence: string) => never): Required<UsageIdempotencyOptions> {
  const given = options.usageIdempotency ?? {};
  const resolved = {
    windowSeconds: given.windowSeconds ?? 86_400,
    inFlightWaitMs: given.inFlightWaitMs ?? 1000,
    maxStoredResponseBytes: given.maxStoredResponseBytes ?? 16_384,
  };
  if (!Number.isInteger(resolved.windowSeconds) || resolved.windowSeconds <= 0) {
    fail(`usageIdempotency.windowSeconds must be a whole number of seconds above 0, not ${String(resolved.windowSeconds)}.`);
  }
  if (!Number.isInteger(resolved.inFlightWaitMs) || resolved.inFlightWaitMs < 0 || resolved.inFlightWaitMs > 60_000) {
    fail(`usageIdempotency.inFlightWaitMs must be a whole number of ms from 0 to 60000, not ${String(resolved.inFlightWaitMs)}.`);
  }
  const bytes = resolved.maxStoredResponseBytes;
  if (!Number.isInteger(bytes) || bytes < 0 || bytes > MAX_STORED_RESPONSE_BYTES) {
    fail(`usageIdempotency.maxStoredResponseBytes must be a whole number from 0 to ${MAX_STORED_RESPONSE_BYTES} (a TEXT column on every database), not ${String(bytes)}.`);
  }
  return resolved;
}
