// Public names of the usage room, re-exported by lib/index.ts.
export { TrackUsage } from './track-usage.decorator';
export type { TrackUsageOptions } from './track-usage.decorator';
export { TrackUsageInterceptor } from './track-usage.interceptor';
export { UsageService } from './usage.service';
export type { UsageCheck, UsageMeter } from './usage.service';
export { UsageLedger } from './usage-ledger';
export type { UsageReservation, UsageResponse } from './usage-ledger';
export type { UsageReplay } from './usage-replay';
export { PaymentsRetention } from '../persistence/retention/payments-retention.service';
export type { PruneResult } from '../persistence/retention/payments-retention.service';
export { calendarMonth, usagePeriod } from './usage-period';
export type { UsagePeriod } from './usage-period';
// Purchased credits (issue 15).
export { CreditsLedger } from './credits-ledger';
export type { CreditBucketView, CreditSpend, CreditSplit } from './credits-ledger';
export type { AllocationMeter } from './allocations';
export type { MemberUsage } from './member-usage';
