import { Controller, Get, UseGuards } from '@nestjs/common';
import type Stripe from 'stripe';
import { RequiresFeature } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { call, jwtGuard, stripeCallsDuring } from './billing-kit';

@Controller('sso')
@UseGuards(jwtGuard)
class SsoController {
  @RequiresFeature('sso')
  @Get()
  sso() {
    return { ok: true };
  }
}

// The default downgrade timing ('period_end') end to end: a subscription schedule at the fake,
// its phase switch on the test clock, and the webhooks that move the local plan.
describe.each(testDatabases())('downgrade at the period end on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 41 });
    app = await startTestApp({ db, fake, controllers: [SsoController], payments: { authGuard: jwtGuard, now: () => new Date(fake.now() * 1000) } });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  const sso = (userId: number) => fetch(`${app.url}/api/sso`, { headers: app.auth(userId) }).then((r) => r.status);
  const sub = (id: string) => fake.state.subscriptions.get(id)!;
  const schedulesOf = (subId: string) =>
    [...fake.state.subscriptionSchedules.values()].filter((s) => s.subscription === subId || s.released_subscription === subId);
  const latestInvoice = (subId: string) => fake.state.invoices.get(sub(subId).latest_invoice as string) as Stripe.Invoice;

  /** An Enterprise customer (no trial on that plan), synced through the success page and webhooks. */
  async function enterpriseUser(): Promise<{ id: number; subId: string; periodEnd: number }> {
    const user = await app.createUser();
    const checkout = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'enterprise' } });
    const { subscriptionId } = await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
    await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id });
    await fake.waitForDeliveries();
    expect((await call(app, 'GET', 'subscription', { user: user.id })).body).toMatchObject({ plan: 'enterprise', status: 'active' });
    return { id: user.id, subId: subscriptionId!, periodEnd: sub(subscriptionId!).items.data[0].current_period_end };
  }

  async function passPeriodEnd(periodEnd: number): Promise<void> {
    await fake.waitForDeliveries();
    await fake.advanceTime(periodEnd - fake.now() + 60);
    await fake.waitForDeliveries();
  }

  it('schedules the downgrade, keeps Enterprise until the period end, then moves to Pro billed at its price', async () => {
    const { id, subId, periodEnd } = await enterpriseUser();
    const down = await call(app, 'POST', 'upgrade', { user: id, body: { plan: 'pro' } });
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ plan: 'enterprise', active: true, scheduledChange: { plan: 'pro', interval: 'month', at: new Date(periodEnd * 1000).toISOString() } });
    expect(sub(subId).items.data[0].price.id).toBe('price_enterprise_month');
    expect(schedulesOf(subId)).toHaveLength(1);
    expect(schedulesOf(subId)[0].phases.map((p) => p.items[0].price)).toEqual(['price_enterprise_month', 'price_pro_month']);

    // Asking again changes nothing at Stripe: the same schedule, no new write.
    let again: Awaited<ReturnType<typeof call>> | undefined;
    const calls = await stripeCallsDuring(fake, async () => (again = await call(app, 'POST', 'upgrade', { user: id, body: { plan: 'pro' } })));
    expect(again).toMatchObject({ status: 200, body: { plan: 'enterprise', scheduledChange: { plan: 'pro' } } });
    expect(calls.filter((c) => c.method === 'POST')).toEqual([]);
    expect(schedulesOf(subId)).toHaveLength(1);

    await fake.waitForDeliveries();
    expect((await call(app, 'GET', 'subscription', { user: id })).body).toMatchObject({ plan: 'enterprise', features: ['basic', 'advanced_exports', 'sso'] });
    expect(await sso(id)).toBe(200);

    await passPeriodEnd(periodEnd);
    expect(sub(subId).items.data[0].price.id).toBe('price_pro_month');
    expect(latestInvoice(subId)).toMatchObject({ billing_reason: 'subscription_cycle', status: 'paid', amount_paid: 1500 });
    const after = await call(app, 'GET', 'subscription', { user: id });
    expect(after.body).toMatchObject({ plan: 'pro', status: 'active', active: true, features: ['basic', 'advanced_exports'] });
    expect(new Date(after.body.currentPeriodEnd).getTime()).toBe(sub(subId).items.data[0].current_period_end * 1000);
    expect(await sso(id)).toBe(403);
    // Now on the target plan with nothing left to switch: the same request is an ordinary "already on plan".
    expect(await call(app, 'POST', 'upgrade', { user: id, body: { plan: 'pro' } })).toMatchObject({ status: 400, body: { code: 'already_on_plan' } });
  });

  it('asking for Enterprise again while the downgrade waits releases the schedule and keeps Enterprise', async () => {
    const { id, subId, periodEnd } = await enterpriseUser();
    expect((await call(app, 'POST', 'upgrade', { user: id, body: { plan: 'pro' } })).status).toBe(200);
    const [schedule] = schedulesOf(subId);
    const back = await call(app, 'POST', 'upgrade', { user: id, body: { plan: 'enterprise' } });
    expect(back).toMatchObject({ status: 200, body: { plan: 'enterprise', scheduledChange: null } });
    expect(fake.state.subscriptionSchedules.get(schedule.id)).toMatchObject({ status: 'released', released_subscription: subId });
    // Released, not cancelled: the subscription itself lives on.
    expect(sub(subId)).toMatchObject({ status: 'active', schedule: null });

    await passPeriodEnd(periodEnd);
    expect(sub(subId).items.data[0].price.id).toBe('price_enterprise_month');
    expect(latestInvoice(subId)).toMatchObject({ billing_reason: 'subscription_cycle', amount_paid: 9900 });
    expect((await call(app, 'GET', 'subscription', { user: id })).body).toMatchObject({ plan: 'enterprise', active: true });
    expect(await sso(id)).toBe(200);
  });

  it('cancelling while a downgrade waits releases the schedule first, then ends at the period end', async () => {
    const { id, subId, periodEnd } = await enterpriseUser();
    expect((await call(app, 'POST', 'upgrade', { user: id, body: { plan: 'pro' } })).status).toBe(200);
    const [schedule] = schedulesOf(subId);
    const cancelled = await call(app, 'POST', 'cancel', { user: id, body: {} });
    expect(cancelled).toMatchObject({ status: 200, body: { plan: 'enterprise', cancelAtPeriodEnd: true, onGracePeriod: true } });
    expect(fake.state.subscriptionSchedules.get(schedule.id)?.status).toBe('released');
    expect(sub(subId)).toMatchObject({ cancel_at_period_end: true, schedule: null });
    // A new period-end downgrade now would let the schedule undo the cancellation: refused.
    expect(await call(app, 'POST', 'upgrade', { user: id, body: { plan: 'pro' } })).toMatchObject({ status: 400, body: { code: 'subscription_ending' } });
    expect(sub(subId).schedule).toBeNull();

    await passPeriodEnd(periodEnd);
    expect(sub(subId).status).toBe('canceled');
    expect(sub(subId).items.data[0].price.id).toBe('price_enterprise_month');
    expect((await call(app, 'GET', 'subscription', { user: id })).body).toMatchObject({ plan: 'free', status: 'canceled', active: false });
    expect(await sso(id)).toBe(403);
  });
});
