import { DynamicModule, Inject, Logger, Module, OnModuleInit, Optional, Provider, Type } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef, ModulesContainer } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ACCESS_CONTROLLERS, ACCESS_PROVIDERS } from './access/access.providers';
import { setBillingContext } from './access/billing-context';
import { BILLING_CONTROLLERS, BILLING_PROVIDERS } from './billing/billing.providers';
import { PaymentsAuthGuard } from './common/payments-auth.guard';
import { PaymentsRoutes } from './common/payments-routes';
import { BodyParseErrors } from './common/body-parse-errors';
import { withPaymentsErrors } from './common/payments-exception.filter';
import { assertDefaultAuthStrategy, warnIncompleteOptions } from './common/startup-checks';
import { assertRegisteredOnce } from './common/single-registration.check';
import { withRoutePath } from './common/with-route-path';
import { PAYMENTS_AUTH_GUARD, PAYMENTS_DATA_SOURCE, PAYMENTS_OPTIONS, STRIPE_CLIENT } from './payments.constants';
import {
  ConfigurablePaymentsModule,
  PAYMENTS_ASYNC_OPTIONS_TYPE,
  PAYMENTS_OPTIONS_TYPE,
  RAW_PAYMENTS_OPTIONS,
} from './payments.module-definition';
import { PaymentsModuleOptions, ResolvedPaymentsOptions } from './payments.options';
import { resolvePaymentsOptions } from './payments-options.validator';
import { BillableStore } from './persistence/billable-store';
import { PAYMENTS_ENTITIES } from './persistence/payments-entities';
import { BillableLeases } from './persistence/billable-leases';
import { PaymentsTransactions } from './persistence/payments-transactions';
import { PlanCatalog } from './plans/plan-catalog';
import { createStripeClient } from './stripe/stripe-client.factory';
import { StripeGateway } from './stripe/stripe-gateway.service';
import { USAGE_CONTROLLERS, USAGE_PROVIDERS } from './usage/usage.providers';
import { WEBHOOKS_CONTROLLERS, WEBHOOKS_PROVIDERS } from './webhooks/webhooks.providers';
import { HEALTH_PROVIDERS } from './health/health.providers';
import { PRODUCTS_CONTROLLERS, PRODUCTS_PROVIDERS } from './products/products.providers';
import { QUEUE_PROVIDERS } from './queue/queue.providers';
import { SEATS_CONTROLLERS, SEATS_PROVIDERS } from './seats/seats.providers';
import { METERING_PROVIDERS } from './metering/metering.providers';

/** Settings that shape the module's routes and injections, so they must be known before options resolve. */
export interface PaymentsAsyncExtras {
  /** Route of the module's controllers. Default 'payments'. */
  routePath?: string;
  /** Name of the TypeORM DataSource. Default: the default one. */
  dataSourceName?: string;
}

const CORE_PROVIDERS: Provider[] = [
  {
    provide: STRIPE_CLIENT,
    inject: [PAYMENTS_OPTIONS],
    useFactory: (options: ResolvedPaymentsOptions) => createStripeClient(options),
  },
  {
    provide: PlanCatalog,
    inject: [PAYMENTS_OPTIONS],
    useFactory: (options: ResolvedPaymentsOptions) => new PlanCatalog(options.plans),
  },
  {
    provide: PAYMENTS_AUTH_GUARD,
    inject: [PAYMENTS_OPTIONS, ModuleRef],
    useFactory: (options: ResolvedPaymentsOptions, moduleRef: ModuleRef) => resolveAuthGuard(options, moduleRef),
  },
  PaymentsTransactions,
  BillableLeases,
  BillableStore,
  StripeGateway,
  PaymentsAuthGuard,
  PaymentsRoutes,
  BodyParseErrors,
];

const PUBLIC_PROVIDERS: Provider[] = [...BILLING_PROVIDERS, ...WEBHOOKS_PROVIDERS, ...ACCESS_PROVIDERS, ...USAGE_PROVIDERS];
// Its own line so that rooms added in parallel branches merge without touching each other.
PUBLIC_PROVIDERS.push(...HEALTH_PROVIDERS);
PUBLIC_PROVIDERS.push(...PRODUCTS_PROVIDERS);
PUBLIC_PROVIDERS.push(...QUEUE_PROVIDERS);
PUBLIC_PROVIDERS.push(...SEATS_PROVIDERS);
PUBLIC_PROVIDERS.push(...METERING_PROVIDERS);

/**
 * Stripe subscriptions for a Nest app: `PaymentsModule.forRoot({ secretKey, webhookSecret, plans,
 * billableEntity, urls })`, or `forRootAsync({ imports, inject, useFactory | useClass | useExisting })`.
 * Global by default (`isGlobal: false` to scope it).
 */
@Module({})
export class PaymentsModule extends ConfigurablePaymentsModule implements OnModuleInit {
  private readonly logger = new Logger('Payments');

  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly catalog: PlanCatalog,
    private readonly routes: PaymentsRoutes,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    super();
  }

  static override forRoot(options: typeof PAYMENTS_OPTIONS_TYPE): DynamicModule {
    return withPaymentsParts(super.forRoot(options), options);
  }

  static override forRootAsync(options: typeof PAYMENTS_ASYNC_OPTIONS_TYPE & PaymentsAsyncExtras): DynamicModule {
    const { routePath, dataSourceName, ...rest } = options;
    return withPaymentsParts(super.forRootAsync(rest), { routePath, dataSourceName });
  }

  onModuleInit(): void {
    for (const entity of PAYMENTS_ENTITIES) {
      if (!this.dataSource.hasMetadata(entity)) {
        throw new Error(
          `nestjs-headless-payments: TypeORM does not know ${entity.name}; add ...PAYMENTS_ENTITIES to the entities of TypeOrmModule.forRoot.`,
        );
      }
    }
    // Only an HTTP app serves the routes these concern; the CLI's application context does not.
    if (this.adapterHost?.httpAdapter) {
      assertDefaultAuthStrategy(this.options);
      warnIncompleteOptions(this.options, this.logger);
    }
    setBillingContext({ catalog: this.catalog, pastDue: this.options.pastDue });
    this.logger.log(`Billing ready: ${this.catalog.list().length} plans, routes under ${this.routes.path()}`);
  }
}

function withPaymentsParts(base: DynamicModule, sync: PaymentsAsyncExtras): DynamicModule {
  const routePath = (sync.routePath ?? 'payments').replace(/^\/+|\/+$/g, '');
  const dataSource: Provider = { provide: PAYMENTS_DATA_SOURCE, useExisting: getDataSourceToken(sync.dataSourceName) };
  const options: Provider = {
    provide: PAYMENTS_OPTIONS,
    inject: [RAW_PAYMENTS_OPTIONS, ModulesContainer],
    useFactory: (raw: PaymentsModuleOptions, modules: ModulesContainer) => {
      assertRegisteredOnce(modules, PaymentsModule); // before validating, so a test's second forRoot is named as such
      return resolvePaymentsOptions({ ...raw, routePath, dataSourceName: sync.dataSourceName });
    },
  };
  const controllers = [...BILLING_CONTROLLERS, ...WEBHOOKS_CONTROLLERS, ...ACCESS_CONTROLLERS, ...USAGE_CONTROLLERS, ...PRODUCTS_CONTROLLERS, ...SEATS_CONTROLLERS].map((c) =>
    withPaymentsErrors(withRoutePath(c as Type<unknown>, routePath)),
  );
  const providers = [...(base.providers ?? []), options, dataSource, ...CORE_PROVIDERS, ...PUBLIC_PROVIDERS];
  return {
    ...base,
    controllers: [...(base.controllers ?? []), ...controllers],
    providers,
    exports: [...(base.exports ?? []), PAYMENTS_OPTIONS, STRIPE_CLIENT, PAYMENTS_DATA_SOURCE, ...CORE_PROVIDERS, ...PUBLIC_PROVIDERS],
  };
}

async function resolveAuthGuard(options: ResolvedPaymentsOptions, moduleRef: ModuleRef) {
  if (options.authGuard === null) return null;
  if (options.authGuard && typeof options.authGuard !== 'function') return options.authGuard;
  const guardClass = options.authGuard ?? (await defaultAuthGuard());
  return moduleRef.create(guardClass);
}

async function defaultAuthGuard() {
  // Loaded lazily so apps that configure their own guard need not install @nestjs/passport.
  const { AuthGuard } = await import('@nestjs/passport');
  return AuthGuard('jwt');
}
