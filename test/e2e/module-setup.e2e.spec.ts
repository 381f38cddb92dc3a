import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { InjectStripe, PAYMENTS_ENTITIES, PaymentsModule, PaymentsModuleOptions, PlanCatalog, StripeGateway } from '../../lib';
import { PAYMENTS_OPTIONS } from '../../lib/payments.constants';
import { ResolvedPaymentsOptions } from '../../lib/payments.options';
import { createTestApplication } from '../support/http-adapter';
import { startTestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-databases';
import { testPlans } from '../support/test-plans';
import { TestUser } from '../support/test-user.entity';

const baseOptions: PaymentsModuleOptions = {
  secretKey: 'sk_test_module',
  webhookSecret: 'whsec_module',
  plans: testPlans,
  billableEntity: TestUser,
  authGuard: null,
};

const database = (entities: unknown[] = [TestUser, ...PAYMENTS_ENTITIES]) =>
  TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', entities: entities as never, synchronize: true });

@Injectable()
class UsesStripe {
  constructor(@InjectStripe() readonly stripe: Stripe) {}
}

@Injectable()
class PaymentsConfig {
  create(): PaymentsModuleOptions {
    return { ...baseOptions, currency: 'EUR' };
  }
}

@Module({ providers: [PaymentsConfig], exports: [PaymentsConfig] })
class ConfigModule {}

async function boot(payments: ReturnType<typeof PaymentsModule.forRoot>, entities?: unknown[]) {
  const ref = await Test.createTestingModule({ imports: [database(entities), payments], providers: [UsesStripe] }).compile();
  const app = createTestApplication(ref, { logger: false });
  await app.init();
  return app;
}

describe('PaymentsModule registration', () => {
  it('forRoot: resolves options, builds the Stripe client and serves @InjectStripe', async () => {
    const app = await boot(PaymentsModule.forRoot(baseOptions));
    const options = app.get<ResolvedPaymentsOptions>(PAYMENTS_OPTIONS);
    expect(options.routePath).toBe('payments');
    const stripe = app.get(UsesStripe).stripe;
    expect(typeof stripe.customers.create).toBe('function');
    expect(app.get(StripeGateway).stripe).toBe(stripe);
    expect(app.get(PlanCatalog).freePlan()?.key).toBe('free');
    await app.close();
  });

  it('forRoot: uses an existing Stripe client when given one', async () => {
    const client = new Stripe('sk_test_existing');
    const app = await boot(PaymentsModule.forRoot({ ...baseOptions, secretKey: undefined, stripeClient: client }));
    expect(app.get(UsesStripe).stripe).toBe(client);
    await app.close();
  });

  it('forRootAsync with useFactory and inject', async () => {
    const app = await boot(
      PaymentsModule.forRootAsync({
        imports: [ConfigModule],
        inject: [PaymentsConfig],
        useFactory: (config: PaymentsConfig) => ({ ...config.create(), currency: 'GBP' }),
      }),
    );
    expect(app.get<ResolvedPaymentsOptions>(PAYMENTS_OPTIONS).currency).toBe('gbp');
    await app.close();
  });

  it('forRootAsync with useClass', async () => {
    @Injectable()
    class OptionsFactory {
      create(): PaymentsModuleOptions {
        return { ...baseOptions, currency: 'CHF' };
      }
    }
    const app = await boot(PaymentsModule.forRootAsync({ useClass: OptionsFactory }));
    expect(app.get<ResolvedPaymentsOptions>(PAYMENTS_OPTIONS).currency).toBe('chf');
    await app.close();
  });

  it('forRootAsync with useExisting and a route path', async () => {
    const app = await boot(PaymentsModule.forRootAsync({ imports: [ConfigModule], useExisting: PaymentsConfig, routePath: 'billing' }));
    const options = app.get<ResolvedPaymentsOptions>(PAYMENTS_OPTIONS);
    expect([options.currency, options.routePath]).toEqual(['eur', 'billing']);
    await app.close();
  });

  it('fails to start with the validation sentence when options are wrong', async () => {
    await expect(boot(PaymentsModule.forRoot({ ...baseOptions, secretKey: undefined }))).rejects.toThrow(
      /secretKey is required when no stripeClient is given/,
    );
  });

  it('fails to start when the module tables are not registered with TypeORM', async () => {
    await expect(boot(PaymentsModule.forRoot(baseOptions), [TestUser])).rejects.toThrow(/add \.\.\.PAYMENTS_ENTITIES to the entities/);
  });
});

describe('routes of the module', () => {
  it('serves its controllers under routePath, below the app prefix', async () => {
    const db = await createTestDatabase('sqlite');
    const app = await startTestApp({ db, payments: { routePath: 'billing' } });
    try {
      const plans = await fetch(`${app.url}/api/billing/plans`);
      expect(plans.status).toBe(200);
      expect(((await plans.json()) as { plans: { key: string }[] }).plans.map((p) => p.key)).toEqual(['free', 'pro', 'enterprise']);
      expect((await fetch(`${app.url}/api/payments/plans`)).status).toBe(404);
      // The default guard is passport's AuthGuard('jwt'): no token, no billing state.
      const anonymous = await fetch(`${app.url}/api/billing/subscription`);
      expect(anonymous.status).toBe(401);
      const user = await app.createUser();
      expect((await fetch(`${app.url}/api/billing/subscription`, { headers: app.auth(user.id) })).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
