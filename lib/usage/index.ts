// Public names of the usage room, re-exported by lib/index.ts.
export { TrackUsage } from './track-usage.decorator';
export type { TrackUsageOptions } from './track-usage.decorator';
export { TrackUsageInterceptor } from './track-usage.interceptor';
export { UsageService } from './usage.service';
export type { UsageCheck, UsageMeter } from './usage.service';
export { UsageLedger } from './usage-ledger';
export type { UsageReservation } from './usage-ledger';
export { calendarMonth, usagePeriod } from './usage-period';
export type { UsagePeriod } from './usage-period';
