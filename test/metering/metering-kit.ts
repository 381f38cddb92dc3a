import { Controller, Get, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { definePlans, MeterWindowEntity, TrackUsage } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { call, customersOf } from '../billing/billing-kit';
import { TestApp } from '../support/test-app';

/** Plans of the metering suites: a free tier with a hard limit, pay as you go, and a fee with 1,000 calls included. */
export const meteredPlans = definePlans({
  free: { name: 'Free', limits: { api_calls: 5, exports: 0 } },
  payg: { name: 'Pay as you go', limits: { exports: 0 }, metered: { api_calls: { meter: 'api_calls', priceId: 'price_payg_calls' } } },
  pro: {
    name: 'Pro',
    priceId: 'price_mpro',
    limits: { exports: 10 },
    metered: { api_calls: { meter: 'api_calls', priceId: 'price_mpro_calls', included: 1000 } },
  },
});

/** The meter and prices of `meteredPlans` at the fake: 3 cents a call; the Pro fee 20.00 and 2 cents a call past 1,000. */
export function seedMeteredCatalog(fake: FakeStripe): void {
  const meter = fake.createMeter('api_calls');
  fake.createPrice({ id: 'price_payg_calls', interval: 'month', meter: meter.id, unitAmount: 3, productName: 'Calls' });
  fake.createPrice({ id: 'price_mpro', interval: 'month', unitAmount: 2000, productName: 'Pro' });
  fake.createPrice({ id: 'price_mpro_calls', interval: 'month', meter: meter.id, tiers: [{ upTo: 1000, unitAmount: 0 }, { upTo: null, unitAmount: 2 }], productName: 'Pro calls' });
}

@Controller('metered')
@UseGuards(AuthGuard('jwt'))
export class MeteredCallsController {
  @TrackUsage('api_calls')
  @Get('call')
  call() {
    return { ok: true };
  }
}

/** The window rows of a billable, oldest first. */
export function windowsOf(app: TestApp, billableId: number | string): Promise<MeterWindowEntity[]> {
  return app.dataSource.getRepository(MeterWindowEntity).find({ where: { billableId: String(billableId) }, order: { windowStart: 'ASC', seq: 'ASC' } });
}

/** A new user subscribed to `plan` through checkout, the fake's payment page and the status call, with its Stripe customer. */
export async function subscribedTo(app: TestApp, fake: FakeStripe, plan: 'payg' | 'pro'): Promise<{ user: number; customer: string }> {
  const user = (await app.createUser()).id;
  const checkout = await call(app, 'POST', 'checkout', { user, body: { plan } });
  expect(checkout.status).toBe(200);
  await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
  await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user });
  await fake.waitForDeliveries();
  return { user, customer: customersOf(fake, user)[0] };
}

/** One call of the metered route: its status. */
export function hitMetered(app: TestApp, user: number): Promise<number> {
  return fetch(`${app.url}/api/metered/call`, { headers: app.auth(user) }).then((r) => r.status);
}
