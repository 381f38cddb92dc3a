/**
 * The "Testing your app offline" guide's example (docs/testing.md), run as written: the `describe` below must stay
 * identical to the README's (checked by the first test); only the app's own files it imports
 * (AuthModule, paymentsOptions, User: the Quick start's) are defined here, as ../src/... would be.
 * scripts/readme-snippets.sh runs the README's copy verbatim in fresh Nest 12 ESM and Nest 11 apps.
 */
import { createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { PassportModule, PassportStrategy } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ExtractJwt, Strategy } from 'passport-jwt';
import request from 'supertest';
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { definePlans, PAYMENTS_ENTITIES, PaymentsModuleOptions, SubscriptionMixin } from '../../lib';
import { PaymentsTestApp, startPaymentsTestApp } from '../../lib/testing';

// ---- the Quick start's files (src/plans.ts, src/users/user.entity.ts, src/auth/*, src/payments.config.ts) ----
const plans = definePlans({
  free: { name: 'Free', features: ['basic'], limits: { api_calls: 100 } },
  pro: {
    name: 'Pro',
    prices: { month: 'price_pro_month', year: 'price_pro_year' },
    features: ['basic', 'advanced_exports'],
    limits: { api_calls: 1000 },
    trialDays: 14,
  },
  enterprise: { name: 'Enterprise', priceId: 'price_enterprise_month', features: ['basic', 'advanced_exports', 'sso'], limits: { api_calls: -1 } },
});

@Entity('users')
class User extends SubscriptionMixin() {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 255, unique: true }) email: string;
}

const jwtConstants = { secret: 'local-development-only' };
const jwtVerifyKey = createSecretKey(Buffer.from(jwtConstants.secret));

@Injectable()
class JwtStrategy extends PassportStrategy(Strategy) {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), ignoreExpiration: false, secretOrKey: jwtVerifyKey as unknown as string });
  }
  async validate(payload: any) {
    return { userId: payload.sub, username: payload.username };
  }
}

@Module({
  imports: [PassportModule, JwtModule.register({ secret: jwtConstants.secret, signOptions: { expiresIn: '60m' } })],
  providers: [JwtStrategy],
  exports: [JwtModule],
})
class AuthModule {}

const paymentsOptions = {
  plans,
  billableEntity: User,
  getBillableId: (req: { user?: { userId?: number } }) => req.user?.userId,
  urls: {
    success: 'https://app.example.com/billing?session_id={CHECKOUT_SESSION_ID}',
    cancel: 'https://app.example.com/pricing',
    portalReturn: 'https://app.example.com/billing',
  },
} satisfies PaymentsModuleOptions;

it("is the testing guide's example, word for word", () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'docs', 'testing.md'), 'utf8');
  const snippet = readme.split('<!-- snippet: test/billing.e2e-spec.ts -->')[1]?.split('\n```\n')[0] ?? '';
  const own = readFileSync(__filename, 'utf8');
  const describeOf = (text: string) => text.slice(text.lastIndexOf("describe('billing, offline'")).trim();
  expect(describeOf(own)).toBe(describeOf(snippet));
});

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
      payments: paymentsOptions,
      prices: [
        { id: 'price_pro_month', unitAmount: 2000, interval: 'month', productName: 'Pro' },
        { id: 'price_pro_year', unitAmount: 20000, interval: 'year', productName: 'Pro' },
        { id: 'price_enterprise_month', unitAmount: 9900, interval: 'month', productName: 'Enterprise' },
      ],
    });
    const user = await t.app.get(DataSource).getRepository(User).save({ email: 'ada@example.com' });
    token = `Bearer ${t.app.get(JwtService).sign({ sub: user.id, username: user.email })}`;
  });

  afterAll(() => t.close());

  it('subscribes with a trial, renews, survives a failed payment and cancels', async () => {
    const api = request(t.app.getHttpServer());
    const state = async () => (await api.get('/api/payments/subscription').set('Authorization', token)).body;

    // Checkout: your app creates the session; the "customer" pays on the fake's hosted page.
    const { body } = await api.post('/api/payments/checkout').set('Authorization', token).send({ plan: 'pro' });
    const paid = await t.fake.completeCheckout(body.sessionId, { card: 'success' });
    await t.fake.waitForDeliveries(); // every webhook got its 2xx and the queue workers applied it
    expect(await state()).toMatchObject({ plan: 'pro', status: 'trialing', onTrial: true, active: true });

    // The 14-day trial ends and the first invoice is paid.
    await t.fake.advanceTime(15 * 86400);
    await t.fake.waitForDeliveries();
    expect(await state()).toMatchObject({ plan: 'pro', status: 'active', onTrial: false });

    // A month later the card is declined.
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
