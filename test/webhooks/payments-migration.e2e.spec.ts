import { DataSource, MigrationInterface, QueryRunner, Table } from 'typeorm';
import { PAYMENTS_ENTITIES } from '../../lib';
import { WebhookEventEntity } from '../../lib/persistence/entities/webhook-event.entity';
import { createPaymentsMigration } from '../../lib/persistence/migrations/create-payments-migration';
import { LogCapture } from '../support/log-capture';
import { startTestApp } from '../support/test-app';
import { createTestDatabase, DbKind, describeEachDb, TestDatabase } from '../support/test-databases';
import { TestUser } from '../support/test-user.entity';
import { plainEvent, postWebhook } from './support/webhook-helpers';

/** The app's own migration, made after 2026-01-01 (the date the old default payments name sorted at). */
class CreateUsers1780000000000 implements MigrationInterface {
  name = 'CreateUsers1780000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          { name: 'id', type: 'int', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'email', type: 'varchar', length: '255' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('users');
  }
}

const dataSource = (db: TestDatabase, migrations: unknown[], synchronize = false) =>
  new DataSource({ ...(db.options as object), entities: [TestUser, ...PAYMENTS_ENTITIES], migrations, synchronize, logging: false } as never);

/** Tables and columns as the database reports them, for comparing a migrated schema with a synchronized one. */
async function schemaOf(ds: DataSource, kind: DbKind): Promise<string[]> {
  const where = kind === 'postgres' ? "table_schema = 'public'" : 'table_schema = DATABASE()';
  const rows: Record<string, unknown>[] = await ds.query(
    `SELECT table_name AS t, column_name AS c, ${kind === 'postgres' ? 'data_type' : 'column_type'} AS d, is_nullable AS n, column_default AS f, character_maximum_length AS l, datetime_precision AS p FROM information_schema.columns WHERE ${where} AND table_name <> 'migrations' ORDER BY table_name, column_name`,
  );
  // The default of a generated id names its sequence on PostgreSQL; equal tables have equal sequences.
  return rows.map((r) => [r.t, r.c, r.d, r.n, String(r.f).replace(/_seq'::regclass/, "'::regclass"), r.l, r.p].join(' | '));
}

describeEachDb(['postgres', 'mariadb'])('createPaymentsMigration on %s', (kind) => {
  let db: TestDatabase;
  let ds: DataSource;
  const payments = createPaymentsMigration({ billableTable: 'users', timestamp: 1780000000001 });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    // Listed in any order: TypeORM sorts by the timestamp, so the app's users table comes first.
    ds = dataSource(db, [payments, CreateUsers1780000000000]);
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('runs after the app migration that creates users, and builds exactly the schema synchronize would', async () => {
    const ran = await ds.runMigrations();
    expect(ran.map((m) => m.name)).toEqual(['CreateUsers1780000000000', 'PaymentsInit1780000000001']);
    const synced = await createTestDatabase(kind);
    const reference = dataSource(synced, [], true);
    try {
      await reference.initialize();
      expect(await schemaOf(ds, kind)).toEqual(await schemaOf(reference, kind));
      // What TypeORM would still change: nothing, or exactly what it would change on its own schema.
      const pending = async (source: DataSource) => (await source.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query);
      expect(await pending(ds)).toEqual(await pending(reference));
      if (kind === 'postgres') expect(await pending(ds)).toEqual([]);
    } finally {
      await reference.destroy();
      await synced.drop();
    }
  });

  it('the module works on the migrated database', async () => {
    const t = await startTestApp({ db, synchronize: false, logger: new LogCapture() });
    try {
      const user = await t.createUser();
      const res = await fetch(`${t.url}/api/payments/subscription`, { headers: t.auth(user.id) });
      expect([res.status, ((await res.json()) as { plan: string }).plan]).toEqual([200, 'free']);
      // Queued (the default): the inbox row and its work item go into the migrated tables, and a worker runs it.
      const event = plainEvent();
      expect((await postWebhook(t.url, JSON.stringify(event))).json).toEqual({ received: true, outcome: 'queued' });
      await t.settle();
      expect((await t.dataSource.getRepository(WebhookEventEntity).findOneByOrFail({ id: event.id })).status).toBe('ignored');
    } finally {
      await t.close();
    }
  });

  it('reverts cleanly', async () => {
    await ds.undoLastMigration();
    const tables: unknown[] = await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = ${kind === 'postgres' ? "'public'" : 'DATABASE()'} AND table_name LIKE 'payments_%'`);
    expect(tables).toEqual([]);
    const columns: Record<string, string>[] = await ds.query(
      `SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'users' AND table_schema = ${kind === 'postgres' ? "'public'" : 'DATABASE()'} ORDER BY column_name`,
    );
    expect(columns.map((c) => c.c)).toEqual(['email', 'id']);
  });

  it('refuses to run before the billable table exists, with a sentence', async () => {
    const early = await createTestDatabase(kind);
    const premature = dataSource(early, [createPaymentsMigration({ billableTable: 'users', name: 'PaymentsInit1767225600000' })]);
    try {
      await premature.initialize();
      await expect(premature.runMigrations()).rejects.toThrow(
        "nestjs-headless-payments: table 'users' does not exist when PaymentsInit1767225600000 runs; TypeORM runs migrations in timestamp order, so give createPaymentsMigration a timestamp later than the migration that creates 'users'.",
      );
    } finally {
      await premature.destroy();
      await early.drop();
    }
  });
});

describe('createPaymentsMigration options', () => {
  it('needs a timestamp (or a name ending with one), with a sentence', () => {
    expect(() => createPaymentsMigration({ billableTable: 'users' })).toThrow(
      "nestjs-headless-payments: createPaymentsMigration needs a timestamp later than the migration that creates 'users' (TypeORM runs migrations in timestamp order), e.g. { billableTable: 'users', timestamp: 1767400000000 }; use Date.now() when you add it and never change it.",
    );
    expect(() => createPaymentsMigration({ billableTable: 'users', timestamp: 1780000 })).toThrow('createPaymentsMigration timestamp must be a time in ms with 13 digits');
    expect(() => createPaymentsMigration({ billableTable: 'users', name: 'PaymentsInit' })).toThrow("name 'PaymentsInit' must end with a 13-digit timestamp");
  });

  it('derives the class name from the timestamp', () => {
    const migration = createPaymentsMigration({ billableTable: 'accounts', timestamp: 1790000000000 });
    expect([migration.name, new migration().name]).toEqual(['PaymentsInit1790000000000', 'PaymentsInit1790000000000']);
  });
});
