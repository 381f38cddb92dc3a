// Public names of the health room, re-exported by lib/index.ts.
export { PaymentsHealthIndicator } from './payments-health.indicator';
export type { PaymentsHealthDetails, PaymentsHealthOptions } from './payments-health.types';
