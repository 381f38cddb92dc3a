import { Injectable, Module } from '@nestjs/common';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { PassportModule, PassportStrategy } from '@nestjs/passport';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { DataSource } from 'typeorm';
import { definePlans, PAYMENTS_ENTITIES } from '../../lib';
import { PaymentsTestApp, startPaymentsTestApp } from '../../lib/testing';
import { TestUser as User } from '../support/test-user.entity';

const plans = definePlans({
  free: { name: 'Free' },
  pro: { name: 'Pro', priceId: 'price_fastify_pro' },
});

@Injectable()
class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: 'fastify-secret' });
  }
  validate(payload: { sub: number }) {
    return { id: payload.sub };
  }
}

@Module({ imports: [PassportModule, JwtModule.register({ secret: 'fastify-secret' })], providers: [JwtStrategy], exports: [JwtModule] })
class AuthModule {}

/** A Fastify app's offline test, through the public helper: the fake's signed webhooks reach it. */
describe('startPaymentsTestApp with a FastifyAdapter', () => {
  let t: PaymentsTestApp;
  let auth: { Authorization: string };

  beforeAll(async () => {
    t = await startPaymentsTestApp({
      httpAdapter: new FastifyAdapter(),
      imports: [TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', entities: [User, ...PAYMENTS_ENTITIES], synchronize: true }), AuthModule],
      payments: {
        plans,
        billableEntity: User,
        urls: { success: 'https://app.example/done?session_id={CHECKOUT_SESSION_ID}', cancel: 'https://app.example/pricing', portalReturn: 'https://app.example/account' },
      },
      prices: [{ id: 'price_fastify_pro', unitAmount: 2000, interval: 'month', productName: 'Pro' }],
    });
    const user = await t.app.get(DataSource).getRepository(User).save({ email: 'fastify@example.com' });
    auth = { Authorization: `Bearer ${t.app.get(JwtService).sign({ sub: user.id })}` };
  });
  afterAll(() => t?.close());

  it('runs on Fastify and subscribes through checkout and the signed webhooks', async () => {
    expect(t.app.getHttpAdapter().getType()).toBe('fastify');
    const checkout = await fetch(`${t.url}/api/payments/checkout`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ plan: 'pro' }) });
    expect(checkout.status).toBe(200);
    await t.fake.completeCheckout(((await checkout.json()) as { sessionId: string }).sessionId, { card: 'success' });
    await t.fake.waitForDeliveries();
    expect(t.fake.deliveries.length).toBeGreaterThan(0);
    expect(t.fake.deliveries.filter((d) => d.status !== 200)).toEqual([]);
    const state = await (await fetch(`${t.url}/api/payments/subscription`, { headers: auth })).json();
    expect(state).toMatchObject({ plan: 'pro', status: 'active', active: true });
  });
});
