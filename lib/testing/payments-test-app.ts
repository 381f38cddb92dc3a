import { INestApplication, ModuleMetadata, Type } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { TestingModuleBuilder } from '@nestjs/testing';
import { PaymentsModule } from '../payments.module';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { RAW_PAYMENTS_OPTIONS } from '../payments.module-definition';
import { PaymentsModuleOptions, ResolvedPaymentsOptions } from '../payments.options';
import { WebhookOperations } from '../webhooks/operations/webhook-operations.service';
import { FakeStripe } from './fake-stripe';
import { FakeStripeOptions, PriceSpec } from './fake-stripe.types';
import { findPaymentsOptionsProvider, patchedOptionsFactory } from './payments-options.override';

type PaymentsOptionsWithoutStripe = Omit<PaymentsModuleOptions, 'secretKey' | 'stripeClient' | 'stripeClientOptions' | 'webhookSecret'>;

/** What `startPaymentsTestApp` needs: your AppModule, or your modules and the payments options without Stripe's. */
export interface PaymentsTestAppOptions extends Pick<ModuleMetadata, 'imports' | 'controllers' | 'providers'> {
  /**
   * Your app's root module, which registers PaymentsModule itself: its payments options are kept and
   * only the Stripe key, client options and webhook secret are swapped for the fake's. Default none.
   */
  appModule?: Type<unknown>;
  /**
   * PaymentsModule options; the Stripe key, client options and webhook secret come from the fake.
   * Required without `appModule`; with it, fields given here replace the app's. Default none.
   */
  payments?: PaymentsOptionsWithoutStripe | Partial<PaymentsOptionsWithoutStripe>;
  /** Prices to create at the fake, e.g. the ids your plans name. Default none. */
  prices?: PriceSpec[];
  /** An already started fake; default: one started (and stopped on `close()`) for you. */
  fake?: FakeStripe;
  /** Options of the fake this helper starts. */
  fakeOptions?: FakeStripeOptions;
  /** Your app's global prefix. Default 'api'. */
  globalPrefix?: string;
  /** Changes the testing module before it compiles, e.g. `(b) => b.overrideProvider(Mailer).useValue(fakeMailer)`. Default none. */
  overrides?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  /** Called before `listen`, e.g. to add global pipes or guards as your main.ts does. */
  configure?: (app: INestApplication) => void;
  /** The HTTP adapter your main.ts uses, e.g. `new FastifyAdapter()`. Default: Express. */
  httpAdapter?: AbstractHttpAdapter;
}

/** A running app wired to a FakeStripe that delivers signed webhooks to it. */
export interface PaymentsTestApp {
  app: INestApplication;
  fake: FakeStripe;
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  /**
   * Runs the webhook events the app queued (`webhook.processing: 'queued'`, the default) until none is
   * left, e.g. after you POST an event yourself; `fake.waitForDeliveries()` calls it for you. Nothing to do inline.
   */
  drainWebhooks(): Promise<void>;
  /** Closes the app, and the fake when this helper started it. */
  close(): Promise<void>;
}

/**
 * Starts your app as `main.ts` would (raw body, 1 MB JSON limit, global prefix) on 127.0.0.1 with
 * PaymentsModule pointed at a FakeStripe, and registers the app's webhook route at the fake.
 */
export async function startPaymentsTestApp(options: PaymentsTestAppOptions): Promise<PaymentsTestApp> {
  if (!options.appModule && !options.payments) {
    throw new Error('startPaymentsTestApp needs `appModule` (your AppModule, which registers PaymentsModule) or `payments` (the PaymentsModule options).');
  }
  const { Test } = await loadNestTesting();
  const fake = options.fake ?? (await FakeStripe.start(options.fakeOptions));
  const ownsFake = !options.fake;
  let app: INestApplication | undefined;
  try {
    for (const price of options.prices ?? []) fake.createPrice(price);
    const withFake = (raw: PaymentsModuleOptions): PaymentsModuleOptions => ({
      ...raw,
      ...options.payments,
      secretKey: fake.secretKey,
      stripeClient: undefined,
      stripeClientOptions: fake.stripeConfig(),
      webhookSecret: fake.webhookSecret,
    });
    let builder = Test.createTestingModule({
      imports: [
        ...(options.appModule ? [options.appModule] : []),
        ...(options.imports ?? []),
        ...(options.appModule ? [] : [PaymentsModule.forRoot(withFake(options.payments as PaymentsModuleOptions))]),
      ],
      controllers: options.controllers,
      providers: options.providers,
    });
    if (options.appModule) {
      const original = await findPaymentsOptionsProvider(options.appModule);
      if (!original) {
        throw new Error(`startPaymentsTestApp: ${options.appModule.name} does not import PaymentsModule.forRoot or forRootAsync; import it there, or pass \`payments\` instead of \`appModule\`.`);
      }
      builder = builder.overrideProvider(RAW_PAYMENTS_OPTIONS).useFactory(patchedOptionsFactory(original, withFake));
    }
    const moduleRef = await (options.overrides ? options.overrides(builder) : builder).compile();
    app = options.httpAdapter ? moduleRef.createNestApplication(options.httpAdapter, { rawBody: true }) : moduleRef.createNestApplication({ rawBody: true });
    // Express's JSON limit is 100 kB; Fastify's default (1 MiB) already fits Stripe's events.
    if (app.getHttpAdapter().getType() === 'express') (app as NestExpressApplication).useBodyParser('json', { limit: '1mb' });
    const prefix = (options.globalPrefix ?? 'api').replace(/^\/+|\/+$/g, '');
    if (prefix) app.setGlobalPrefix(prefix);
    options.configure?.(app);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const url = `http://127.0.0.1:${port}`;
    const { routePath, webhook } = app.get<ResolvedPaymentsOptions>(PAYMENTS_OPTIONS, { strict: false });
    fake.addWebhookEndpoint(`${url}${prefix ? `/${prefix}` : ''}/${routePath}/webhook`);
    const started = app;
    const operations = app.get(WebhookOperations, { strict: false });
    const drainWebhooks = async (): Promise<void> => {
      await operations.drainQueued();
    };
    const removeSettler = webhook.processing === 'queued' ? fake.addSettler(drainWebhooks) : undefined;
    return {
      app: started,
      fake,
      url,
      drainWebhooks,
      close: async () => {
        removeSettler?.();
        await started.close();
        if (ownsFake) await fake.stop();
      },
    };
  } catch (error) {
    await app?.close().catch(() => undefined);
    if (ownsFake) await fake.stop();
    throw error;
  }
}

/** Loaded on first use so that `FakeStripe` alone works without the optional peer @nestjs/testing. */
async function loadNestTesting(): Promise<typeof import('@nestjs/testing')> {
  try {
    return await import('@nestjs/testing');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException)?.code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes("'@nestjs/testing'");
    if (!missing) throw error;
    throw new Error('startPaymentsTestApp needs @nestjs/testing: npm install --save-dev @nestjs/testing');
  }
}
