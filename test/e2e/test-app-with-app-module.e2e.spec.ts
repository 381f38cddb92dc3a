/**
 * One PaymentsModule per app: a test that adds its own forRoot beside the app's is refused with a
 * sentence, and `startPaymentsTestApp({ appModule })` takes the app's own AppModule and swaps only
 * its Stripe settings for the fake's (forRoot and forRootAsync alike).
 */
import { Injectable, Module } from '@nestjs/common';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { PAYMENTS_ENTITIES, PaymentsModule, PaymentsModuleOptions } from '../../lib';
import { PaymentsTestApp, startPaymentsTestApp } from '../../lib/testing';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { TEST_JWT_SECRET, TestJwtStrategy } from '../support/test-jwt.strategy';
import { testPlans, testPrices } from '../support/test-plans';
import { TestUser } from '../support/test-user.entity';

// The app's own configuration: a real-looking key that must never be used by the test.
const appOptions: PaymentsModuleOptions = {
  secretKey: 'sk_test_the_apps_own_key',
  webhookSecret: 'whsec_the_apps_own_secret',
  plans: testPlans,
  billableEntity: TestUser,
  routePath: 'billing',
  urls: { success: 'https://app.example/done?session_id={CHECKOUT_SESSION_ID}', cancel: 'https://app.example/pricing', portalReturn: 'https://app.example/account' },
};

@Injectable()
class AppConfig {
  payments(): PaymentsModuleOptions {
    return appOptions;
  }
}

@Module({ providers: [AppConfig], exports: [AppConfig] })
class AppConfigModule {}

@Module({ imports: [PassportModule, JwtModule.register({ secret: TEST_JWT_SECRET })], providers: [TestJwtStrategy], exports: [JwtModule] })
class AuthModule {}

function appModuleWith(database: TestDatabase, payments: 'forRoot' | 'forRootAsync') {
  @Module({
    imports: [
      TypeOrmModule.forRoot({ ...database.options, entities: [TestUser, ...PAYMENTS_ENTITIES], synchronize: true } as never),
      AuthModule,
      payments === 'forRoot'
        ? PaymentsModule.forRoot(appOptions)
        : PaymentsModule.forRootAsync({ imports: [AppConfigModule], inject: [AppConfig], useFactory: (config: AppConfig) => config.payments(), routePath: 'billing' }),
    ],
  })
  class AppModule {}
  return AppModule;
}

describeEachDb(['sqlite', 'postgres'])('one PaymentsModule per app (%s)', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(() => database.drop());

  it('refuses a second registration at start-up with a sentence', async () => {
    const AppModule = appModuleWith(database, 'forRoot');
    const second = PaymentsModule.forRoot({ ...appOptions, secretKey: 'sk_test_fake', webhookSecret: 'whsec_fake' });
    await expect(Test.createTestingModule({ imports: [AppModule, second] }).compile()).rejects.toThrow(
      'nestjs-headless-payments: PaymentsModule is registered 2 times in this app; register it once (one forRoot or forRootAsync). ' +
        "In a test, pass your AppModule as startPaymentsTestApp({ appModule: AppModule }) instead of adding PaymentsModule again: it swaps your Stripe settings for the fake's.",
    );
  });

  it('startPaymentsTestApp refuses `imports: [AppModule]` plus `payments` the same way', async () => {
    const AppModule = appModuleWith(database, 'forRoot');
    await expect(startPaymentsTestApp({ imports: [AppModule], payments: appOptions })).rejects.toThrow('PaymentsModule is registered 2 times in this app');
  });

  describe.each(['forRoot', 'forRootAsync'] as const)('startPaymentsTestApp({ appModule }) with %s', (registration) => {
    let t: PaymentsTestApp;
    beforeAll(async () => {
      t = await startPaymentsTestApp({ appModule: appModuleWith(database, registration), prices: testPrices });
    });
    afterAll(() => t?.close());

    it("keeps the app's options, sends Stripe calls to the fake and receives its webhooks", async () => {
      const user = await t.app.get(DataSource).getRepository(TestUser).save({ email: `${registration}@example.com` });
      const token = `Bearer ${t.app.get(JwtService).sign({ sub: user.id })}`;
      const api = request(t.app.getHttpServer());

      // The app's routePath ('billing') and urls are kept; the checkout goes to the fake.
      const checkout = await api.post('/api/billing/checkout').set('Authorization', token).send({ plan: 'enterprise' }).expect(200);
      expect(t.fake.requests.some((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions')).toBe(true);
      await t.fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
      await t.fake.waitForDeliveries();
      const state = await api.get('/api/billing/subscription').set('Authorization', token).expect(200);
      expect(state.body).toMatchObject({ plan: 'enterprise', status: 'active' });
      // Every delivery was verified with the fake's secret, not the app's.
      expect(t.fake.deliveries.length).toBeGreaterThan(0);
      expect(t.fake.deliveries.filter((d) => d.status === 'error' || d.status >= 300)).toEqual([]);
    });
  });

  it('says what to do when the AppModule has no PaymentsModule', async () => {
    @Module({})
    class EmptyModule {}
    await expect(startPaymentsTestApp({ appModule: EmptyModule })).rejects.toThrow(
      'startPaymentsTestApp: EmptyModule does not import PaymentsModule.forRoot or forRootAsync; import it there, or pass `payments` instead of `appModule`.',
    );
  });
});
