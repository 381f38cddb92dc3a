import { INestApplication, LoggerService, ModuleMetadata, Provider, Type } from '@nestjs/common';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PAYMENTS_ENTITIES, PaymentsModule, PaymentsModuleOptions, ResolvedPaymentsOptions, WebhookOperations } from '../../lib';
import { PAYMENTS_OPTIONS } from '../../lib/payments.constants';
import { createTestApplication, TestHttpAdapter } from './http-adapter';
import { TestDatabase } from './test-databases';
import { TEST_JWT_SECRET, TestJwtStrategy } from './test-jwt.strategy';
import { testPlans, testPrices } from './test-plans';
import { TestUser } from './test-user.entity';

/** What the test app needs of a FakeStripe (kept structural so support code does not pin its class). */
export interface FakeStripeHandle {
  secretKey: string;
  webhookSecret: string;
  stripeConfig(): { host: string; port: number; protocol: 'http' };
  addWebhookEndpoint(url: string, secret?: string): unknown;
  createPrice(price: { id?: string; unitAmount: number; interval?: 'day' | 'week' | 'month' | 'year'; productName?: string; currency?: string }): unknown;
  seed?: number;
  useRealisticDelivery?(): void;
  addSettler?(settle: () => Promise<unknown>): () => void;
}

export interface TestAppOptions {
  db: TestDatabase;
  /** The Stripe the app talks to; its prices are seeded with `testPrices` and the webhook endpoint registered. */
  fake?: FakeStripeHandle;
  /** Overrides of the PaymentsModule options. */
  payments?: Partial<PaymentsModuleOptions>;
  controllers?: Type<unknown>[];
  providers?: Provider[];
  imports?: ModuleMetadata['imports'];
  /** More entities of the app beside TestUser (e.g. an Organization billable). */
  entities?: Type<unknown>[];
  /** Build the schema (default true; the second app instance on one database passes false). */
  synchronize?: boolean;
  /** Seed prices and register the webhook endpoint at the fake (default true). */
  registerWithFake?: boolean;
  /** Called before `listen`, e.g. to add global guards or pipes. */
  configure?: (app: INestApplication) => void;
  /** The HTTP platform (default: `TEST_HTTP_ADAPTER`, else Express). */
  adapter?: TestHttpAdapter;
  /** Options of the FastifyAdapter when on Fastify, e.g. `{ bodyLimit }`. */
  fastifyOptions?: Record<string, unknown>;
  /** Keep the raw request bytes (default true, as the README's main.ts does). */
  rawBody?: boolean;
  /** The app's logger (default: Nest's console logger at error and warn). */
  logger?: LoggerService;
  /** Register the passport 'jwt' strategy (default true); false boots an app that forgot it. */
  jwtStrategy?: boolean;
  /**
   * Deliver the fake's webhooks as Stripe may (seeded shuffle, duplicates, delays); default true, so
   * our own suites never depend on order. A failing test prints the fake's seed (fake-seed.environment).
   */
  realisticDelivery?: boolean;
}

/** A running Nest app over real HTTP on 127.0.0.1, with real passport JWT auth. */
export interface TestApp {
  app: INestApplication;
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  dataSource: DataSource;
  /** Creates a user row and returns it. */
  createUser(email?: string): Promise<TestUser>;
  /** `Authorization` header for a user id. */
  auth(userId: number | string): { Authorization: string };
  /** Runs the webhook events the app queued (queued mode) until none is left; the fake's `waitForDeliveries` calls it too. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

let userCounter = 0;

/**
 * Boots a Nest app as a user would: global prefix `api`, `rawBody: true`, TypeORM, passport JWT,
 * PaymentsModule; on Express, or on Fastify with `TEST_HTTP_ADAPTER=fastify`.
 */
export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  const { fake } = options;
  const payments: PaymentsModuleOptions = {
    secretKey: fake?.secretKey ?? 'sk_test_unused',
    webhookSecret: fake?.webhookSecret ?? 'whsec_test_secret',
    stripeClientOptions: fake?.stripeConfig(),
    stripeTimeoutMs: 2000,
    stripeMaxNetworkRetries: 0,
    plans: testPlans,
    billableEntity: TestUser,
    urls: {
      success: 'http://app.test/billing/success?session_id={CHECKOUT_SESSION_ID}',
      cancel: 'http://app.test/billing/cancel',
      portalReturn: 'http://app.test/billing',
      allowedOrigins: ['http://app.test'],
    },
    ...options.payments,
  };
  // TEST_WEBHOOK_PROCESSING=inline runs a suite in inline mode (a test's own choice wins; default: the module's, queued).
  const wanted = payments.webhook?.processing ?? (process.env.TEST_WEBHOOK_PROCESSING as 'queued' | 'inline' | undefined);
  if (wanted) payments.webhook = { ...payments.webhook, processing: wanted };
  const moduleRef = await Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot({
        ...(options.db.options as object),
        entities: [TestUser, ...(options.entities ?? []), ...PAYMENTS_ENTITIES],
        synchronize: options.synchronize ?? true,
        logging: false,
      } as never),
      PassportModule,
      JwtModule.register({ secret: TEST_JWT_SECRET, signOptions: { expiresIn: '1h' } }),
      PaymentsModule.forRoot(payments),
      ...(options.imports ?? []),
    ],
    controllers: options.controllers ?? [],
    providers: [...(options.jwtStrategy === false ? [] : [TestJwtStrategy]), ...(options.providers ?? [])],
  }).compile();
  const app = createTestApplication(
    moduleRef,
    { rawBody: options.rawBody ?? true, logger: options.logger ?? ['error', 'warn'] },
    options.adapter,
    options.fastifyOptions,
  );
  app.setGlobalPrefix('api');
  options.configure?.(app);
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    // A failed start (e.g. a configuration error) must not leave the database connection open.
    await app.close().catch(() => undefined);
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  if (fake && options.realisticDelivery !== false && fake.useRealisticDelivery) {
    fake.useRealisticDelivery();
    if (fake.seed !== undefined) reportSeedOnFailure(fake.seed);
  }
  if (fake && options.registerWithFake !== false) {
    for (const price of testPrices) fake.createPrice(price);
    fake.addWebhookEndpoint(`${url}/api/payments/webhook`);
  }
  const dataSource = app.get(DataSource);
  const jwt = app.get(JwtService);
  const operations = app.get(WebhookOperations);
  const settle = async (): Promise<void> => {
    // A scenario may have cut the database a moment ago: a broken pooled connection fails one query.
    for (let attempt = 1; ; attempt++) {
      try {
        await operations.drainQueued();
        return;
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };
  // The resolved mode, so the module's default decides when neither the test nor the env chose one.
  const { processing } = app.get<ResolvedPaymentsOptions>(PAYMENTS_OPTIONS, { strict: false }).webhook;
  const removeSettler = processing === 'queued' ? fake?.addSettler?.(settle) : undefined;
  return {
    app,
    url,
    dataSource,
    createUser: async (email?: string) => {
      const repo = dataSource.getRepository(TestUser);
      return repo.save(repo.create({ email: email ?? `user${++userCounter}-${process.pid}@example.test` }));
    },
    auth: (userId) => ({ Authorization: `Bearer ${jwt.sign({ sub: userId })}` }),
    settle,
    close: () => {
      removeSettler?.();
      return app.close();
    },
  };
}

/** Read by test/support/fake-seed.environment.js when a test fails. */
function reportSeedOnFailure(seed: number): void {
  const g = globalThis as { __fakeStripeSeeds?: Set<number> };
  (g.__fakeStripeSeeds ??= new Set()).add(seed);
}
