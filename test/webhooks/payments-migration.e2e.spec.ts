import { DataSource } from 'typeorm';
import { PAYMENTS_ENTITIES } from '../../lib';
import { createPaymentsMigration } from '../../lib/persistence/migrations/create-payments-migration';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { TestUser } from '../support/test-user.entity';

describeEachDb(['postgres'])('createPaymentsMigration on %s', (kind) => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    ds = new DataSource({
      ...(db.options as object),
      entities: [TestUser, ...PAYMENTS_ENTITIES],
      migrations: [createPaymentsMigration({ billableTable: 'users' })],
      synchronize: false,
      logging: false,
    } as never);
    await ds.initialize();
    // The app's own table, as its earlier migrations left it.
    await ds.query('CREATE TABLE "users" ("id" SERIAL NOT NULL, "email" character varying(255) NOT NULL, CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))');
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('builds exactly the schema synchronize would (no pending schema changes)', async () => {
    await ds.runMigrations();
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('reverts cleanly', async () => {
    await ds.undoLastMigration();
    const tables = await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'payments_%'`);
    expect(tables).toEqual([]);
    const columns = await ds.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY column_name`);
    expect(columns.map((c: { column_name: string }) => c.column_name)).toEqual(['email', 'id']);
  });
});
