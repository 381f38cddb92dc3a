import { DynamicModule, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule, TypeOrmModuleOptions } from '@nestjs/typeorm';
import { PAYMENTS_ENTITIES, PaymentsModule, PaymentsModuleOptions } from 'nestjs-headless-payments';
import { jwtSecret } from '../../sample/auth/jwt-secret';
import { JwtStrategy } from '../../sample/auth/jwt.strategy';
import { DemoController } from '../../sample/demo/demo.controller';
import { sampleBillingOptions } from '../../sample/payments.config';
import { plans } from '../../sample/plans';
import { User } from '../../sample/user.entity';
import { BenchBaselineController, BenchVerifyOnlyController } from './bench.controllers';
import type { RemoteFakeStripe } from './remote-fake-stripe';

/** Pro's api_calls limit in the bench: big, so every measured request is admitted (and counted). */
export const BENCH_USAGE_LIMIT = 1_000_000_000;

/** The sample's plans, with pro's usage limit raised so load tests measure counting, not 429s. */
export const benchPlans = { ...plans, pro: { ...plans.pro, limits: { api_calls: BENCH_USAGE_LIMIT } } };

/**
 * The sample's payments configuration on the given FakeStripe (no webhook endpoint: the bench sends
 * events itself). BENCH_WEBHOOK_PROCESSING picks the webhook mode; BENCH_QUEUE_WORKERS=0 keeps the
 * queue's workers off (so only acknowledgements are measured; the bench drains on demand), and
 * BENCH_QUEUE_CONCURRENCY sets how many events one drain runs at once.
 */
export function benchPaymentsOptions(fake: RemoteFakeStripe, origin: string): PaymentsModuleOptions {
  const processing = process.env.BENCH_WEBHOOK_PROCESSING === 'queued' ? 'queued' : 'inline';
  return {
    ...sampleBillingOptions(origin),
    plans: benchPlans,
    // The sample's credit pack would put api_calls on the credit path: the bench keeps measuring plain counting.
    products: undefined,
    secretKey: fake.secretKey,
    webhookSecret: fake.webhookSecret,
    stripeClientOptions: fake.stripeConfig(),
    webhook: { processing },
    queue: {
      workers: process.env.BENCH_QUEUE_WORKERS !== '0',
      concurrency: Number(process.env.BENCH_QUEUE_CONCURRENCY ?? 4),
      ...(process.env.BENCH_QUEUE_MAX_CONNECTIONS ? { maxConnections: Number(process.env.BENCH_QUEUE_MAX_CONNECTIONS) } : {}),
    },
  };
}

/** Database from the environment: BENCH_DATABASE_URL (postgres://...) or the SQLite file BENCH_SQLITE_FILE. */
export function benchDatabaseOptions(): TypeOrmModuleOptions {
  const entities = [User, ...PAYMENTS_ENTITIES];
  const url = process.env.BENCH_DATABASE_URL;
  if (url) return { type: 'postgres', url, entities, synchronize: true };
  const file = process.env.BENCH_SQLITE_FILE;
  if (!file) throw new Error('bench: set BENCH_DATABASE_URL or BENCH_SQLITE_FILE');
  return { type: 'better-sqlite3', database: file, entities, synchronize: true };
}

/** The sample's pieces (entity, auth, demo routes, payments config) plus the bench's baseline routes. */
@Module({})
export class BenchAppModule {
  static forRoot(fake: RemoteFakeStripe, origin: string): DynamicModule {
    return {
      module: BenchAppModule,
      imports: [
        TypeOrmModule.forRoot(benchDatabaseOptions()),
        TypeOrmModule.forFeature([User]),
        PassportModule,
        JwtModule.register({ secret: jwtSecret(), signOptions: { expiresIn: '12h' } }),
        PaymentsModule.forRoot(benchPaymentsOptions(fake, origin)),
      ],
      controllers: [DemoController, BenchBaselineController, BenchVerifyOnlyController],
      providers: [JwtStrategy],
    };
  }
}
