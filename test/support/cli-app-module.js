// A compiled app module as the CLI meets it in a user's dist/: plain CommonJS, the built package.
// Configured from the environment by the test: CLI_DB_FILE, CLI_STRIPE_PORT, CLI_STRIPE_KEY.
require('reflect-metadata');
const { Module } = require('@nestjs/common');
const { TypeOrmModule } = require('@nestjs/typeorm');
const { Column, Entity, PrimaryGeneratedColumn } = require('typeorm');
const { PAYMENTS_ENTITIES, PaymentsModule, SubscriptionMixin } = require('../../dist');

/**
 * An AppModule on SQLite whose billable entity is the class `className` (id, email) in `table`,
 * sold on `plans`. The class keeps its own name because TypeORM names the entity after it.
 */
function cliAppModule(className, table, plans) {
  const Billable = { [className]: class extends SubscriptionMixin() {} }[className];
  PrimaryGeneratedColumn()(Billable.prototype, 'id');
  Column({ type: String, length: 255 })(Billable.prototype, 'email');
  Entity(table)(Billable);

  class AppModule {}
  Module({
    imports: [
      TypeOrmModule.forRoot({ type: 'better-sqlite3', database: process.env.CLI_DB_FILE, entities: [Billable, ...PAYMENTS_ENTITIES], synchronize: true }),
      PaymentsModule.forRoot({
        secretKey: process.env.CLI_STRIPE_KEY,
        webhookSecret: 'whsec_cli_fixture',
        stripeClientOptions: { host: '127.0.0.1', port: Number(process.env.CLI_STRIPE_PORT), protocol: 'http' },
        stripeMaxNetworkRetries: 0,
        plans,
        billableEntity: Billable,
        authGuard: null,
      }),
    ],
  })(AppModule);
  return AppModule;
}

module.exports = { cliAppModule };
