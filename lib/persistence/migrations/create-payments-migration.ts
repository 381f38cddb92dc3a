import { DefaultNamingStrategy, MigrationInterface, QueryRunner, Table, TableColumn, TableColumnOptions, TableIndex } from 'typeorm';
import { PaymentsConfigError } from '../../payments-options.validator';

/** Options of `createPaymentsMigration`. */
export interface PaymentsMigrationOptions {
  /** Table of the app's billable entity (the one extending SubscriptionMixin). Required, e.g. 'users'. */
  billableTable: string;
  /**
   * When you added this migration, in ms (13 digits, e.g. `Date.now()` at that moment; never change
   * it afterwards). TypeORM runs migrations in timestamp order, so it must be later than the app
   * migration that creates `billableTable`. Required unless `name` ends with such a timestamp.
   */
  timestamp?: number;
  /** Class name of the migration (TypeORM records it). Default `PaymentsInit<timestamp>`. */
  name?: string;
}

const names = new DefaultNamingStrategy();
const str = (name: string, length: number, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({ name, type: 'varchar', length: String(length), ...extra });
const ts = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'timestamp', isNullable: nullable });
const ms = (name: string, nullable = false): TableColumnOptions => ({ ...ts(name, nullable), precision: 3 });
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
    new Table({
      name: 'payments_work_items',
      columns: [
        serialId, str('kind', 64), str('item_key', 255), { name: 'payload', type: 'text' }, str('status', 16), int('attempts', { default: '0' }),
        ms('run_after'), ms('locked_until', true), str('locked_by', 64, { isNullable: true }), str('order_key', 255, { isNullable: true }),
        bool('rerun', false), str('last_error', 1000, { isNullable: true }), ms('created_at'), ms('updated_at'),
      ],
      indices: [
        index('payments_work_items', ['kind', 'item_key'], true),
        index('payments_work_items', ['status', 'run_after', 'id']),
        index('payments_work_items', ['order_key', 'status', 'id']),
      ],
    }),
    new Table({
      name: 'payments_meter_windows',
      columns: [
        serialId, str('billable_id', 64), str('metric', 64), str('meter', 100), ts('window_start'), ts('window_end'), int('seq', { default: '0' }),
        int('quantity', { default: '0' }), str('status', 16), ts('event_at', true), ts('reported_at', true), str('last_error', 255, { isNullable: true }),
      ],
      indices: [index('payments_meter_windows', ['billable_id', 'meter', 'window_start', 'seq'], true), index('payments_meter_windows', ['status'])],
    }),
    new Table({
      name: 'payments_trial_fingerprints',
      columns: [
        str('kind', 8, { isPrimary: true }), str('value', 64, { isPrimary: true }), str('billable_id', 64),
        str('stripe_subscription_id', 255, { isNullable: true }), ts('created_at'),
      ],
    }),
    new Table({
      name: 'payments_billable_leases',
      columns: [str('billable_id', 64, { isPrimary: true }), str('purpose', 32, { isPrimary: true }), str('holder', 64, { isNullable: true }), ms('expires_at')],
    }),
    ...creditTables(),
    ...seatTables(),
  ];
}

/** The one-time purchases and credit buckets (issue 15), as their entities declare them. */
function creditTables(): Table[] {
  return [
    new Table({
      name: 'payments_purchases',
      columns: [
        str('id', 255, { isPrimary: true }), str('billable_id', 64), str('product', 64), int('quantity'), str('plan', 64, { isNullable: true }),
        str('payment_intent', 255, { isNullable: true }), int('amount_paid'), str('currency', 8), int('refunded_amount', { default: '0' }),
        str('status', 32), ts('created_at'),
      ],
      indices: [index('payments_purchases', ['billable_id']), index('payments_purchases', ['payment_intent'])],
    }),
    new Table({
      name: 'payments_credit_buckets',
      columns: [
        serialId, str('billable_id', 64), str('metric', 64), str('purchase_id', 255), int('granted'), int('remaining'),
        int('refunded_units', { default: '0' }), ts('expires_at', true), ts('created_at'),
      ],
      indices: [index('payments_credit_buckets', ['billable_id', 'metric']), index('payments_credit_buckets', ['purchase_id', 'metric'], true)],
    }),
    new Table({
      name: 'payments_credit_refunds',
      columns: [str('id', 255, { isPrimary: true }), str('purchase_id', 255), int('amount'), int('units_taken'), ts('created_at')],
      indices: [index('payments_credit_refunds', ['purchase_id'])],
    }),
    new Table({
      name: 'payments_credit_spends',
      columns: [serialId, int('record_id'), int('bucket_id'), int('quantity')],
      indices: [index('payments_credit_spends', ['record_id'])],
    }),
    new Table({
      name: 'payments_auto_topups',
      columns: [str('billable_id', 64, { isPrimary: true }), str('metric', 64, { isPrimary: true }), str('status', 16), int('attempt', { default: '0' }), ts('updated_at')],
    }),
  ];
}

/** The seats room's tables (issue 13). */
function seatTables(): Table[] {
  return [
    new Table({
      name: 'payments_seat_accounts',
      columns: [
        str('billable_id', 64, { isPrimary: true }), str('subscription_id', 255, { isNullable: true }), str('plan', 64, { isNullable: true }),
        str('interval', 8, { isNullable: true }), int('purchased', { default: '0' }), int('seq', { default: '0' }), int('synced_seq', { default: '0' }),
        int('stripe_quantity', { isNullable: true }), { ...ts('stripe_synced_at', true), precision: 3 },
      ],
    }),
    new Table({
      name: 'payments_seat_members',
      columns: [serialId, str('billable_id', 64), str('member_id', 64), ts('assigned_at')],
      indices: [index('payments_seat_members', ['billable_id', 'member_id'], true)],
    }),
    new Table({
      name: 'payments_member_usage',
      columns: [serialId, str('billable_id', 64), str('metric', 64), ts('period_start'), str('member_id', 64), int('used', { default: '0' })],
      indices: [index('payments_member_usage', ['billable_id', 'metric', 'period_start', 'member_id'], true)],
    }),
  ];
}

/**
 * A TypeORM migration (PostgreSQL, MySQL, MariaDB) that creates the module's tables and adds the
 * billing columns to the app's billable table:
 * `migrations: [CreateUsers1767300000000, createPaymentsMigration({ billableTable: 'users', timestamp: 1767400000000 })]`.
 * Its result matches what `synchronize` builds from the entities (a test pins that on each database).
 */
export function createPaymentsMigration(options: PaymentsMigrationOptions): new () => MigrationInterface {
  const { billableTable } = options;
  const migrationName = migrationNameOf(options);
  const billableIndices = [index(billableTable, ['stripe_customer_id'], true), index(billableTable, ['stripe_subscription_id'])];
  const migration = class implements MigrationInterface {
    name = migrationName;

    async up(queryRunner: QueryRunner): Promise<void> {
      if (!(await queryRunner.hasTable(billableTable))) {
        throw new PaymentsConfigError(
          `nestjs-headless-payments: table '${billableTable}' does not exist when ${migrationName} runs; TypeORM runs migrations in timestamp order, so give createPaymentsMigration a timestamp later than the migration that creates '${billableTable}'.`,
        );
      }
      const dialect = dialectOf(queryRunner);
      for (const table of moduleTables()) await queryRunner.createTable(inDialect(table, dialect), true);
      await queryRunner.addColumns(billableTable, MIXIN_COLUMNS.map((c) => new TableColumn(columnIn(c, dialect))));
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

/** TypeORM orders migrations by the 13-digit timestamp that ends their name. */
function migrationNameOf(options: PaymentsMigrationOptions): string {
  const table = options?.billableTable;
  if (!table || typeof table !== 'string') {
    throw new PaymentsConfigError("nestjs-headless-payments: createPaymentsMigration needs billableTable, the table of your SubscriptionMixin entity, e.g. { billableTable: 'users', timestamp: 1767400000000 }.");
  }
  if (options.timestamp !== undefined && !(Number.isSafeInteger(options.timestamp) && String(options.timestamp).length === 13)) {
    throw new PaymentsConfigError(`nestjs-headless-payments: createPaymentsMigration timestamp must be a time in ms with 13 digits, such as Date.now() when you add the migration, not ${String(options.timestamp)}.`);
  }
  if (options.name !== undefined) {
    if (!/\d{13}$/.test(options.name)) throw new PaymentsConfigError(`nestjs-headless-payments: createPaymentsMigration name '${options.name}' must end with a 13-digit timestamp in ms, as TypeORM orders migrations by it (e.g. 'PaymentsInit1767400000000').`);
    return options.name;
  }
  if (options.timestamp === undefined) {
    throw new PaymentsConfigError(
      `nestjs-headless-payments: createPaymentsMigration needs a timestamp later than the migration that creates '${table}' (TypeORM runs migrations in timestamp order), e.g. { billableTable: '${table}', timestamp: 1767400000000 }; use Date.now() when you add it and never change it.`,
    );
  }
  return `PaymentsInit${options.timestamp}`;
}

type Dialect = 'postgres' | 'mysql';

function dialectOf(queryRunner: QueryRunner): Dialect {
  const type = queryRunner.connection.options.type;
  if (type === 'postgres') return 'postgres';
  if (type === 'mysql' || type === 'mariadb') return 'mysql';
  throw new PaymentsConfigError(`nestjs-headless-payments: createPaymentsMigration supports PostgreSQL, MySQL and MariaDB, not ${type}; use synchronize on ${type}.`);
}

/** The portable column declarations above, in the types `synchronize` picks for the entities' Date and Boolean. */
function columnIn(column: TableColumnOptions, dialect: Dialect): TableColumnOptions {
  if (dialect === 'postgres') return column;
  if (column.type === 'timestamp') return { ...column, type: 'datetime' };
  if (column.type === 'boolean') return { ...column, type: 'tinyint', default: column.default === 'true' ? '1' : '0' };
  return column;
}

function inDialect(table: Table, dialect: Dialect): Table {
  return new Table({ name: table.name, columns: table.columns.map((c) => columnIn(c as TableColumnOptions, dialect)), indices: table.indices });
}
