import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';

const DAY = 86_400;

describe('FakeStripe subscription schedules', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeEach(async () => {
    fake = await FakeStripe.start({ seed: 21, startTime: Date.UTC(2026, 2, 10) / 1000 });
    stripe = fake.client();
    fake.createPrice({ id: 'price_big', unitAmount: 5000, interval: 'month' });
    fake.createPrice({ id: 'price_small', unitAmount: 1500, interval: 'month' });
  });
  afterEach(() => fake.stop());

  async function subscribe() {
    const customer = await stripe.customers.create({ email: 'sched@example.com' });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_big' }] });
    return { customer, sub };
  }

  const typesSince = (mark: number) => fake.events.slice(mark).map((e) => e.type);

  /** The billing room's downgrade: keep the current period, then one month of the small price, then release. */
  async function scheduleDowngrade(sub: Stripe.Subscription, key?: string) {
    const schedule = await stripe.subscriptionSchedules.create({ from_subscription: sub.id }, key ? { idempotencyKey: key } : undefined);
    const item = sub.items.data[0];
    return stripe.subscriptionSchedules.update(schedule.id, {
      end_behavior: 'release',
      proration_behavior: 'none',
      phases: [
        { items: [{ price: 'price_big', quantity: 1 }], start_date: schedule.phases[0].start_date, end_date: item.current_period_end },
        { items: [{ price: 'price_small', quantity: 1 }], duration: { interval: 'month', interval_count: 1 } },
      ],
    });
  }

  it('from_subscription mirrors the current price and period and links the subscription', async () => {
    const { customer, sub } = await subscribe();
    const mark = fake.events.length;
    const schedule = await stripe.subscriptionSchedules.create({ from_subscription: sub.id });
    const item = sub.items.data[0];
    expect(schedule).toMatchObject({
      object: 'subscription_schedule',
      status: 'active',
      customer: customer.id,
      subscription: sub.id,
      end_behavior: 'release',
      current_phase: { start_date: item.current_period_start, end_date: item.current_period_end },
    });
    expect(schedule.id).toMatch(/^sub_sched_/);
    expect(schedule.phases).toHaveLength(1);
    expect(schedule.phases[0]).toMatchObject({ start_date: item.current_period_start, end_date: item.current_period_end, items: [{ price: 'price_big', quantity: 1 }] });
    expect((await stripe.subscriptions.retrieve(sub.id)).schedule).toBe(schedule.id);
    expect(typesSince(mark)).toEqual(['subscription_schedule.created', 'customer.subscription.updated']);
    expect((await stripe.subscriptionSchedules.retrieve(schedule.id)).id).toBe(schedule.id);
    expect((await stripe.subscriptionSchedules.list({ customer: customer.id })).data.map((s) => s.id)).toEqual([schedule.id]);
  });

  it('a second schedule for the same subscription is refused; the same idempotency key replays the first', async () => {
    const { customer, sub } = await subscribe();
    const first = await stripe.subscriptionSchedules.create({ from_subscription: sub.id }, { idempotencyKey: 'sched-1' });
    const replay = await stripe.subscriptionSchedules.create({ from_subscription: sub.id }, { idempotencyKey: 'sched-1' });
    expect(replay.id).toBe(first.id);
    const err = await stripe.subscriptionSchedules.create({ from_subscription: sub.id }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((err as Stripe.errors.StripeError).statusCode).toBe(400);
    expect((err as Stripe.errors.StripeError).message).toContain(`already attached to a schedule: \`${first.id}\``);
    expect((await stripe.subscriptionSchedules.list({ customer: customer.id })).data).toHaveLength(1);
    const withPhases = await stripe.subscriptionSchedules
      .create({ from_subscription: 'sub_other', phases: [{ items: [{ price: 'price_small' }] }] })
      .catch((e: unknown) => e as Stripe.errors.StripeError);
    expect((withPhases as Stripe.errors.StripeError).param).toBe('phases');
  });

  it('switches to the next phase at the period end and bills the renewal at the new price, then releases', async () => {
    const { sub } = await subscribe();
    const schedule = await scheduleDowngrade(sub);
    const periodEnd = sub.items.data[0].current_period_end;
    expect(schedule.phases.map((p) => [p.start_date, p.items[0].price])).toEqual([
      [sub.items.data[0].current_period_start, 'price_big'],
      [periodEnd, 'price_small'],
    ]);

    await fake.advanceTime(periodEnd - fake.now() - 1);
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe('price_big');

    const mark = fake.events.length;
    await fake.advanceTime(1);
    const after = await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice'] });
    expect(after.items.data[0].price.id).toBe('price_small');
    expect(after.items.data[0].id).toBe(sub.items.data[0].id);
    expect(after.items.data[0].current_period_start).toBe(periodEnd);
    expect(after.schedule).toBe(schedule.id);
    expect(after.latest_invoice as Stripe.Invoice).toMatchObject({ billing_reason: 'subscription_cycle', amount_paid: 1500, status: 'paid' });
    const types = typesSince(mark);
    expect(types[0]).toBe('customer.subscription.updated');
    expect(types).toContain('subscription_schedule.updated');
    const updated = fake.events[mark].data as unknown as { previous_attributes: { items: { data: { price: { id: string } }[] } } };
    expect(updated.previous_attributes.items.data[0].price.id).toBe('price_big');
    expect(await stripe.subscriptionSchedules.retrieve(schedule.id)).toMatchObject({
      status: 'active',
      current_phase: { start_date: periodEnd, end_date: after.items.data[0].current_period_end },
    });

    // The last phase ends: released (end_behavior), and the subscription renews on its own at the small price.
    const mark2 = fake.events.length;
    await fake.advanceTime(after.items.data[0].current_period_end - fake.now());
    const released = await stripe.subscriptionSchedules.retrieve(schedule.id);
    expect(released).toMatchObject({ status: 'released', subscription: null, released_subscription: sub.id });
    const renewed = await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice'] });
    expect(renewed.schedule).toBeNull();
    expect(renewed.status).toBe('active');
    expect(renewed.latest_invoice as Stripe.Invoice).toMatchObject({ amount_paid: 1500 });
    expect(typesSince(mark2)).toContain('subscription_schedule.released');
  });

  it('refuses to move the start of the current phase', async () => {
    const { sub } = await subscribe();
    const schedule = await stripe.subscriptionSchedules.create({ from_subscription: sub.id });
    const err = (await stripe.subscriptionSchedules
      .update(schedule.id, { phases: [{ items: [{ price: 'price_small' }], start_date: fake.now() + DAY, end_date: fake.now() + 2 * DAY }] })
      .catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(err.statusCode).toBe(400);
    expect(err.param).toBe('phases');
  });

  it('release leaves the subscription as it is; a released schedule cannot change any more', async () => {
    const { sub } = await subscribe();
    const schedule = await scheduleDowngrade(sub);
    const mark = fake.events.length;
    const released = await stripe.subscriptionSchedules.release(schedule.id);
    expect(released).toMatchObject({ status: 'released', subscription: null, released_subscription: sub.id });
    expect(typesSince(mark)).toEqual(['customer.subscription.updated', 'subscription_schedule.released']);
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after).toMatchObject({ schedule: null, status: 'active' });
    await fake.advanceTime(sub.items.data[0].current_period_end - fake.now());
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe('price_big');
    const again = (await stripe.subscriptionSchedules.release(schedule.id).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(again.statusCode).toBe(400);
    expect(again.message).toContain('`released` status');
  });

  it('cancel ends the schedule and its subscription now', async () => {
    const { sub } = await subscribe();
    const schedule = await scheduleDowngrade(sub);
    const canceled = await stripe.subscriptionSchedules.cancel(schedule.id);
    expect(canceled.status).toBe('canceled');
    expect(canceled.canceled_at).toBe(fake.now());
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('canceled');
    expect(fake.events.filter((e) => e.type === 'subscription_schedule.canceled')).toHaveLength(1);
    expect(fake.events.filter((e) => e.type === 'customer.subscription.deleted')).toHaveLength(1);
  });

  it('a scheduled subscription refuses cancel_at_period_end (as Stripe does) until the schedule is released', async () => {
    const { sub } = await subscribe();
    const schedule = await scheduleDowngrade(sub);
    const err = (await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true }).catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(err.statusCode).toBe(400);
    expect(err.message).toContain(`managed by the subscription schedule \`${schedule.id}\``);
    await stripe.subscriptionSchedules.release(schedule.id);
    const updated = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(updated.cancel_at_period_end).toBe(true);
  });

  it('a pending cancellation moves into the schedule (end_behavior cancel); end_behavior release lifts it', async () => {
    const { sub } = await subscribe();
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    const schedule = await stripe.subscriptionSchedules.create({ from_subscription: sub.id });
    expect(schedule.end_behavior).toBe('cancel');
    await stripe.subscriptionSchedules.update(schedule.id, { end_behavior: 'release' });
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ cancel_at: null, cancel_at_period_end: false });
  });

  it('deleting the subscription cancels its schedule', async () => {
    const { sub } = await subscribe();
    const schedule = await scheduleDowngrade(sub);
    await stripe.subscriptions.cancel(sub.id);
    expect((await stripe.subscriptionSchedules.retrieve(schedule.id)).status).toBe('canceled');
    expect(fake.state.subscriptionSchedules.get(schedule.id)?.status).toBe('canceled');
    await fake.advanceTime(40 * DAY);
    expect(fake.events.filter((e) => e.type === 'invoice.created')).toHaveLength(1);
  });
});
