// Public names of the metering room, re-exported by lib/index.ts.
export { UsageOperations, parseReconcilePeriod } from './usage-operations.service';
export type { MeterDrift, ReconcilePeriod, ReconcileReport } from './usage-operations.service';
export { StripeMetersReporter } from './stripe-meters.reporter';
export { USAGE_REPORTER } from './usage-reporter';
export type { UsageReport, UsageReporter, UsageReportOutcome } from './usage-reporter';
export type { MeteringOptions } from './metering.options';
export { MeterWindowEntity } from './meter-window.entity';
export type { MeterWindowStatus } from './meter-window.entity';
export { meteredAmount } from './metered-amount';
