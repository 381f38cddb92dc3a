import type Stripe from 'stripe';
import { isSubscribed } from '../../lib/access/billing-status';
import { PaymentEntity, WebhookEventEntity } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { startTestApp, TestApp } from '../support/test-app';
import { reload, subscribe, userWithCustomer } from './support/fake-flows';
import { RecordingHandlers } from './support/recording-handlers';

const DAY = 86_400;

describe.each(testDatabases())('webhook lifecycle with the FakeStripe on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let t: TestApp;
  let stripe: Stripe;
  let recorder: RecordingHandlers;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 5 });
    t = await startTestApp({ db, fake, providers: [RecordingHandlers] });
    stripe = fake.client();
    recorder = t.app.get(RecordingHandlers);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await db?.drop();
  });

  const settle = () => fake.waitForDeliveries(15_000);

  it('checkout → active pro plan with periods from the items, a recorded payment and typed events', async () => {
    const user = await userWithCustomer(t, stripe);
    const subId = await subscribe(fake, stripe, user);
    await settle();
    const row = await reload(t, user.id);
    const sub = fake.state.subscriptions.get(subId)!;
    expect(row).toMatchObject({ stripeSubscriptionId: subId, plan: 'pro', subscriptionStatus: 'active', cancelAtPeriodEnd: false, pastDueSince: null });
    expect(row.currentPeriodEnd?.getTime()).toBe(sub.items.data[0].current_period_end * 1000);
    const payments = await t.dataSource.getRepository(PaymentEntity).findBy({ stripeCustomerId: user.stripeCustomerId! });
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ billableId: String(user.id), stripeSubscriptionId: subId, amountPaid: 1500 });
    const types = recorder.types(String(user.id));
    expect(types.filter((x) => x === 'subscription.activated')).toHaveLength(1);
    expect(types).toContain('plan.changed');
    expect(types).toContain('payment.succeeded');
    const inbox = await t.dataSource.getRepository(WebhookEventEntity).find();
    expect(inbox.every((e) => e.status === 'processed' || e.status === 'ignored')).toBe(true);
  });

  it('a plan swap, a cancel at period end and the end of the period → back to free, history kept', async () => {
    const user = await userWithCustomer(t, stripe);
    const subId = await subscribe(fake, stripe, user);
    await settle();
    const sub = await stripe.subscriptions.retrieve(subId);
    await stripe.subscriptions.update(subId, { items: [{ id: sub.items.data[0].id, price: 'price_enterprise_month' }] });
    await settle();
    expect(await reload(t, user.id)).toMatchObject({ plan: 'enterprise', subscriptionStatus: 'active' });
    const changed = recorder.billingEvents.filter((e) => e.billableId === String(user.id) && e.type === 'plan.changed').pop()!;
    expect([changed.previous.plan, changed.current.plan]).toEqual(['pro', 'enterprise']);

    await stripe.subscriptions.update(subId, { cancel_at_period_end: true });
    await settle();
    const scheduled = await reload(t, user.id);
    expect(scheduled).toMatchObject({ cancelAtPeriodEnd: true, subscriptionStatus: 'active', plan: 'enterprise' });
    expect(recorder.types(String(user.id))).toContain('subscription.cancel_scheduled');

    await fake.advanceTime(32 * DAY);
    await settle();
    expect(await reload(t, user.id)).toMatchObject({ subscriptionStatus: 'canceled', plan: null, stripeSubscriptionId: subId });
    expect(recorder.types(String(user.id))).toContain('subscription.canceled');
  });

  it('a portal cancel through cancel_at is honoured', async () => {
    const user = await userWithCustomer(t, stripe);
    const subId = await subscribe(fake, stripe, user);
    await settle();
    const at = fake.now() + 10 * DAY;
    await stripe.subscriptions.update(subId, { cancel_at: at });
    await settle();
    const row = await reload(t, user.id);
    expect(row.cancelAt?.getTime()).toBe(at * 1000);
    expect(row.subscriptionStatus).toBe('active');
  });

  it('past due: grace kept for 7 days on the test clock, then denied; recovery restores the plan', async () => {
    const user = await userWithCustomer(t, stripe);
    const subId = await subscribe(fake, stripe, user);
    await settle();
    fake.setCustomerCard(user.stripeCustomerId!, 'decline');
    await fake.advanceTime(31 * DAY);
    await settle();
    const pastDue = await reload(t, user.id);
    expect(pastDue.subscriptionStatus).toBe('past_due');
    expect(pastDue.pastDueSince).not.toBeNull();
    const since = pastDue.pastDueSince!.getTime();
    expect(since).toBeLessThanOrEqual(fake.now() * 1000);
    const policy = { access: 'grace' as const, graceDays: 7 };
    expect(isSubscribed(pastDue, new Date(since + 6 * DAY * 1000), policy)).toBe(true);
    expect(isSubscribed(pastDue, new Date(since + 7 * DAY * 1000 + 1000), policy)).toBe(false);
    expect(isSubscribed(pastDue, new Date(since + 1000), { access: 'deny', graceDays: 7 })).toBe(false);
    const types = recorder.types(String(user.id));
    expect(types).toContain('payment.failed');
    expect(types).toContain('past_due.started');

    const open = [...fake.state.invoices.values()].find((i) => i.customer === user.stripeCustomerId && i.status === 'open')!;
    await fake.payInvoice(open.id, { card: 'success' });
    await settle();
    const recovered = await reload(t, user.id);
    expect(recovered).toMatchObject({ subscriptionStatus: 'active', plan: 'pro', pastDueSince: null, stripeSubscriptionId: subId });
    expect(recorder.types(String(user.id))).toContain('payment.recovered');
  });

  it('a trial marks trialUsed and reports trial.ending', async () => {
    const user = await userWithCustomer(t, stripe);
    await subscribe(fake, stripe, user, 'price_pro_month', { subscription_data: { trial_period_days: 14, metadata: { billable_id: String(user.id) } } });
    await settle();
    const row = await reload(t, user.id);
    expect(row).toMatchObject({ subscriptionStatus: 'trialing', trialUsed: true, plan: 'pro' });
    await fake.advanceTime(12 * DAY);
    await settle();
    expect(recorder.types(String(user.id))).toContain('trial.ending');
  });

  it('paused, then customer deleted → free plan, customer unlinked', async () => {
    const user = await userWithCustomer(t, stripe);
    const subId = await subscribe(fake, stripe, user);
    await settle();
    fake.pauseSubscription(subId);
    await settle();
    expect(await reload(t, user.id)).toMatchObject({ subscriptionStatus: 'paused' });
    expect(recorder.types(String(user.id))).toContain('subscription.paused');
    await stripe.customers.del(user.stripeCustomerId!);
    await settle();
    expect(await reload(t, user.id)).toMatchObject({ stripeCustomerId: null, plan: null, subscriptionStatus: 'canceled' });
  });

  it('a second live subscription for the same billable is cancelled at Stripe; the first one stays', async () => {
    const user = await userWithCustomer(t, stripe);
    const first = await subscribe(fake, stripe, user);
    await settle();
    const second = await subscribe(fake, stripe, await reload(t, user.id), 'price_enterprise_month');
    await settle();
    expect(fake.state.subscriptions.get(second)!.status).toBe('canceled');
    expect(fake.state.subscriptions.get(first)!.status).toBe('active');
    expect(await reload(t, user.id)).toMatchObject({ stripeSubscriptionId: first, plan: 'pro', subscriptionStatus: 'active' });
  });

  it('a stale event of an old, cancelled subscription never overwrites the new one', async () => {
    const user = await userWithCustomer(t, stripe);
    const before = fake.events.length;
    const old = await subscribe(fake, stripe, user);
    await stripe.subscriptions.cancel(old);
    await settle();
    const oldEvents = fake.events.slice(before).filter((e) => (e.data.object as { id?: string }).id === old);
    const next = await subscribe(fake, stripe, await reload(t, user.id), 'price_enterprise_month');
    await settle();
    for (const e of oldEvents) fake.redeliver(e.id);
    await settle();
    expect(await reload(t, user.id)).toMatchObject({ stripeSubscriptionId: next, plan: 'enterprise', subscriptionStatus: 'active' });
  });
});
