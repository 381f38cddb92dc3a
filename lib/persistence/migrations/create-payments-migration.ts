import { DefaultNamingStrategy, MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions, TableIndex } from 'typeorm';

/** Options of `createPaymentsMigration`. */
export interface PaymentsMigrationOptions {
  /** Table of the app's billable entity (the one extending SubscriptionMixin). Required, e.g. 'users'. */
  billableTable: string;
  /** Class name of the migration (TypeORM records it). Default 'PaymentsInit1767225600000'. */
  name?: string;
}

const names = new DefaultNamingStrategy();
const str = (name: string, length: number, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({ name, type: 'varchar', length: String(length), ...extra });
const ts = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'timestamp', isNullable: nullable });
const int = (name: string, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({ name, type: 'int', ...extra });
const bool = (name: string, dflt: boolean): TableColumnOptions => ({ name, type: 'boolean', default: String(dflt) });
const serialId: TableColumnOptions = { name: 'id', type: 'int', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
const index = (table: string, columns: string[], isUnique = false) => new TableIndex({ name: names.indexName(table, columns), columnNames: columns, isUnique });

/** The mixin's columns, as SubscriptionMixin declares them. */
export const MIXIN_COLUMNS: TableColumnOptions[] = [
  str('stripe_customer_id', 255, { isNullable: true }),
  str('stripe_subscription_id', 255, { isNullable: true }),
  str('plan', 64, { isNullable: true }),
  str('subscription_status', 32, { isNullable: true }),
  ts('current_period_start', true),
  ts('current_period_end', true),
  bool('cancel_at_period_end', false),
  ts('cancel_at', true),
  ts('trial_start', true),
  ts('trial_end', true),
  bool('trial_used', false),
  ts('past_due_since', true),
  int('billing_version', { default: '0' }),
  { ...ts('billing_synced_at', true), precision: 3 },
];

/** The module's own tables, as PAYMENTS_ENTITIES declare them. */
function moduleTables(): Table[] {
  return [
    new Table({
      name: 'payments_webhook_events',
      columns: [
        str('id', 255, { isPrimary: true }), str('type', 128), str('status', 16), int('attempts', { default: '0' }),
        str('last_error', 1000, { isNullable: true }), str('object_id', 255, { isNullable: true }), bool('livemode', false),
        ts('stripe_created_at'), ts('received_at'), ts('processed_at', true), ts('locked_until', true),
      ],
      indices: [index('payments_webhook_events', ['status'])],
    }),
    new Table({
      name: 'payments_usage_counters',
      columns: [serialId, str('billable_id', 64), str('metric', 64), ts('period_start'), ts('period_end'), int('used', { default: '0' })],
      indices: [index('payments_usage_counters', ['billable_id', 'metric', 'period_start'], true)],
    }),
    new Table({
      name: 'payments_usage_records',
      columns: [
        serialId, str('billable_id', 64), str('metric', 64), str('idempotency_key', 255), int('quantity'), ts('period_start'),
        str('status', 16), ts('created_at'), ts('reported_at', true), int('response_status', { isNullable: true }),
        { name: 'response_body', type: 'text', isNullable: true },
      ],
      indices: [index('payments_usage_records', ['billable_id', 'metric', 'period_start', 'idempotency_key'], true)],
    }),
    new Table({
      name: 'payments_payments',
      columns: [
        str('id', 255, { isPrimary: true }), str('billable_id', 64, { isNullable: true }), str('stripe_customer_id', 255),
        str('stripe_subscription_id', 255, { isNullable: true }), int('amount_paid'), str('currency', 8), str('status', 32),
        ts('paid_at'), ts('period_start', true), ts('period_end', true),
      ],
      indices: [index('payments_payments', ['billable_id'])],
    }),
  ];
}

/**
 * A TypeORM migration (PostgreSQL) that creates the module's tables and adds the billing columns
 * to the app's billable table: `migrations: [createPaymentsMigration({ billableTable: 'users' })]`.
 * Its result matches what `synchronize` builds from the entities (a test pins that).
 */
export function createPaymentsMigration(options: PaymentsMigrationOptions): new () => MigrationInterface {
  const { billableTable } = options;
  const migrationName = options.name ?? 'PaymentsInit1767225600000';
  const billableIndices = [index(billableTable, ['stripe_customer_id'], true), index(billableTable, ['stripe_subscription_id'])];
  const migration = class implements MigrationInterface {
    name = migrationName;

    async up(queryRunner: QueryRunner): Promise<void> {
      for (const table of moduleTables()) await queryRunner.createTable(table, true);
      await queryRunner.addColumns(billableTable, MIXIN_COLUMNS.map((c) => new TableColumn(c)));
      for (const idx of billableIndices) await queryRunner.createIndex(billableTable, idx);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      for (const idx of billableIndices) await queryRunner.dropIndex(billableTable, idx.name as string);
      for (const column of [...MIXIN_COLUMNS].reverse()) await queryRunner.dropColumn(billableTable, column.name);
      for (const table of moduleTables().reverse()) await queryRunner.dropTable(table.name, true);
    }
  };
  Object.defineProperty(migration, 'name', { value: migrationName });
  return migration;
}
