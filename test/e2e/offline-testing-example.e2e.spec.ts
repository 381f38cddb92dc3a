/**
 * The README's "Testing your app offline" example, run as written (only the app's own pieces —
 * AuthModule, User, plans — are defined here, as a user's app would have them).
 */
import { Injectable, Module } from '@nestjs/common';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { PassportModule, PassportStrategy } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ExtractJwt, Strategy } from 'passport-jwt';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { definePlans, PAYMENTS_ENTITIES } from '../../lib';
import { PaymentsTestApp, startPaymentsTestApp } from '../../lib/testing';
import { TestUser as User } from '../support/test-user.entity';

// ---- the user's app (stand-ins for ../src/...) ----
const plans = definePlans({
  free: { name: 'Free', features: ['basic'], limits: { api_calls: 100 } },
  pro: { name: 'Pro', priceId: 'price_pro_month', features: ['basic', 'exports'], limits: { api_calls: 1000 } },
});

@Injectable()
class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: 'example-secret' });
  }
  validate(payload: { sub: number }) {
    return { id: payload.sub };
  }
}

@Module({ imports: [PassportModule, JwtModule.register({ secret: 'example-secret' })], providers: [JwtStrategy], exports: [JwtModule] })
class AuthModule {}

// ---- the README example ----
describe('billing, offline', () => {
  let t: PaymentsTestApp;
  let token: string;

  beforeAll(async () => {
    t = await startPaymentsTestApp({
      imports: [
        TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', entities: [User, ...PAYMENTS_ENTITIES], synchronize: true }),
        AuthModule,
      ],
      payments: {
        plans,
        billableEntity: User,
        urls: {
          success: 'https://app.example/billing/done?session_id={CHECKOUT_SESSION_ID}',
          cancel: 'https://app.example/pricing',
          portalReturn: 'https://app.example/account',
        },
      },
      prices: [{ id: 'price_pro_month', unitAmount: 2000, interval: 'month', productName: 'Pro' }],
    });
    const user = await t.app.get(DataSource).getRepository(User).save({ email: 'ada@example.com' });
    token = `Bearer ${t.app.get(JwtService).sign({ sub: user.id })}`;
  });

  afterAll(() => t.close());

  it('subscribes, renews, survives a failed payment and cancels', async () => {
    const api = request(t.app.getHttpServer());
    const state = async () => (await api.get('/api/payments/subscription').set('Authorization', token)).body;

    // Checkout: your app creates the session; the "customer" pays on the fake's hosted page.
    const { body } = await api.post('/api/payments/checkout').set('Authorization', token).send({ plan: 'pro' });
    const paid = await t.fake.completeCheckout(body.sessionId, { card: 'success' });
    await t.fake.waitForDeliveries(); // every webhook got its 2xx
    expect(await state()).toMatchObject({ plan: 'pro', status: 'active', active: true });

    // A month later the renewal is paid; the month after, the card is declined.
    await t.fake.advanceTime(31 * 86400);
    t.fake.setCustomerCard(paid.customerId!, 'decline');
    await t.fake.advanceTime(31 * 86400);
    await t.fake.waitForDeliveries();
    expect(await state()).toMatchObject({ plan: 'pro', status: 'past_due' });

    // The customer fixes the card; the failed invoice is paid and the plan is back.
    t.fake.setCustomerCard(paid.customerId!, 'success');
    const failed = [...t.fake.state.invoices.values()].find((invoice) => invoice.status === 'open')!;
    await t.fake.payInvoice(failed.id);
    await t.fake.waitForDeliveries();
    expect(await state()).toMatchObject({ plan: 'pro', status: 'active' });

    // Cancel at period end: access until then, the free plan after.
    await api.post('/api/payments/cancel').set('Authorization', token).send({});
    expect(await state()).toMatchObject({ plan: 'pro', onGracePeriod: true });
    await t.fake.advanceTime(31 * 86400);
    await t.fake.waitForDeliveries();
    expect(await state()).toMatchObject({ plan: 'free', status: 'canceled', active: false, features: ['basic'] });

    // The fake's state is the oracle.
    expect([...t.fake.state.subscriptions.values()].map((s) => s.status)).toEqual(['canceled']);
  });
});
