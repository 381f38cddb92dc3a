import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { TRACK_USAGE_KEY } from '../payments.constants';
import { LimitName } from '../plans/plan.types';
import { TrackUsageInterceptor } from './track-usage.interceptor';

/** Options of `@TrackUsage`. */
export interface TrackUsageOptions {
  /** Units one request uses: a number, or computed from the request. Default 1. 0 counts nothing. */
  quantity?: number | ((request: any) => number);
  /** Makes a retried request count and run once (its first answer is replayed): a key from the request. Default: the `Idempotency-Key` header, if any. */
  key?: (request: any) => string | null | undefined;
}

/** What the interceptor reads from the route. */
export interface TrackUsageMetadata extends TrackUsageOptions {
  metric: string;
}

/**
 * Counts each successful request against the plan's limit for `metric` in the current period;
 * over the limit answers 429 `usage_limit_exceeded` (with `Retry-After`) before the handler runs.
 * Units are reserved before the handler, kept when it succeeds and given back when it throws.
 */
export function TrackUsage(metric: LimitName, options: TrackUsageOptions = {}) {
  const metadata: TrackUsageMetadata = { metric, ...options };
  return applyDecorators(SetMetadata(TRACK_USAGE_KEY, metadata), UseInterceptors(TrackUsageInterceptor));
}
