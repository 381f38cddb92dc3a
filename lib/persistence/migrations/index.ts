export { createPaymentsMigration, MIXIN_COLUMNS } from './create-payments-migration';
export type { PaymentsMigrationOptions } from './create-payments-migration';
