import { INestApplication, ModuleMetadata } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { PaymentsModule } from '../payments.module';
import { PaymentsModuleOptions } from '../payments.options';
import { FakeStripe } from './fake-stripe';
import { FakeStripeOptions, PriceSpec } from './fake-stripe.types';

/** What `startPaymentsTestApp` needs: your modules and the payments options without Stripe's. */
export interface PaymentsTestAppOptions extends Pick<ModuleMetadata, 'imports' | 'controllers' | 'providers'> {
  /** PaymentsModule options; the Stripe key, client options and webhook secret come from the fake. */
  payments: Omit<PaymentsModuleOptions, 'secretKey' | 'stripeClient' | 'stripeClientOptions' | 'webhookSecret'>;
  /** Prices to create at the fake, e.g. the ids your plans name. Default none. */
  prices?: PriceSpec[];
  /** An already started fake; default: one started (and stopped on `close()`) for you. */
  fake?: FakeStripe;
  /** Options of the fake this helper starts. */
  fakeOptions?: FakeStripeOptions;
  /** Your app's global prefix. Default 'api'. */
  globalPrefix?: string;
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
  /** Closes the app, and the fake when this helper started it. */
  close(): Promise<void>;
}

/**
 * Starts your app as `main.ts` would (raw body, 1 MB JSON limit, global prefix) on 127.0.0.1 with
 * PaymentsModule pointed at a FakeStripe, and registers the app's webhook route at the fake.
 */
export async function startPaymentsTestApp(options: PaymentsTestAppOptions): Promise<PaymentsTestApp> {
  const fake = options.fake ?? (await FakeStripe.start(options.fakeOptions));
  const ownsFake = !options.fake;
  let app: INestApplication | undefined;
  try {
    for (const price of options.prices ?? []) fake.createPrice(price);
    const moduleRef = await Test.createTestingModule({
      imports: [
        ...(options.imports ?? []),
        PaymentsModule.forRoot({
          ...options.payments,
          secretKey: fake.secretKey,
          stripeClientOptions: fake.stripeConfig(),
          webhookSecret: fake.webhookSecret,
        }),
      ],
      controllers: options.controllers,
      providers: options.providers,
    }).compile();
    app = options.httpAdapter ? moduleRef.createNestApplication(options.httpAdapter, { rawBody: true }) : moduleRef.createNestApplication({ rawBody: true });
    // Express's JSON limit is 100 kB; Fastify's default (1 MiB) already fits Stripe's events.
    if (app.getHttpAdapter().getType() === 'express') (app as NestExpressApplication).useBodyParser('json', { limit: '1mb' });
    const prefix = (options.globalPrefix ?? 'api').replace(/^\/+|\/+$/g, '');
    if (prefix) app.setGlobalPrefix(prefix);
    options.configure?.(app);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const url = `http://127.0.0.1:${port}`;
    const route = (options.payments.routePath ?? 'payments').replace(/^\/+|\/+$/g, '');
    fake.addWebhookEndpoint(`${url}${prefix ? `/${prefix}` : ''}/${route}/webhook`);
    const started = app;
    return {
      app: started,
      fake,
      url,
      close: async () => {
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
