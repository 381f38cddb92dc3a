import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';

const DAY = 86_400;
const START = Date.UTC(2030, 0, 10) / 1000;

/** A clock-driven test as a user writes it for Stripe test mode, run against the fake. */
describe('FakeStripe test clocks (stripe.testHelpers.testClocks)', () => {
  let fake: FakeStripe;
  let stripe: Stripe;
  let priceId: string;

  beforeEach(async () => {
    fake = await FakeStripe.start({ seed: 31, startTime: START });
    stripe = fake.client();
    priceId = fake.createPrice({ unitAmount: 1500, interval: 'month' }).id;
  });
  afterEach(() => fake.stop());

  const waitReady = async (id: string): Promise<Stripe.TestHelpers.TestClock> => {
    for (let i = 0; i < 50; i++) {
      const clock = await stripe.testHelpers.testClocks.retrieve(id);
      if (clock.status === 'ready') return clock;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('clock never became ready');
  };

  it('creates and retrieves a clock shaped as Stripe’s test_helpers.test_clock', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START, name: 'renewals' });
    expect(Object.keys(clock).sort()).toEqual(['created', 'deletes_after', 'frozen_time', 'id', 'livemode', 'name', 'object', 'status', 'status_details'].sort());
    expect(clock).toMatchObject({ object: 'test_helpers.test_clock', frozen_time: START, name: 'renewals', status: 'ready', livemode: false, deletes_after: START + 30 * DAY });
    expect(clock.id).toMatch(/^clock_/);
    expect((await stripe.testHelpers.testClocks.retrieve(clock.id)).frozen_time).toBe(START);
    expect(fake.events.map((e) => e.type).filter((t) => t.startsWith('test_helpers'))).toEqual(['test_helpers.test_clock.created']);
  });

  it('advancing a clock renews the subscriptions of its customers, with the events Stripe sends', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START });
    const customer = await stripe.customers.create({ email: 'clock@example.com', test_clock: clock.id });
    expect(customer.test_clock).toBe(clock.id);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: priceId }] });
    expect(sub.test_clock).toBe(clock.id);
    const periodEnd = sub.items.data[0].current_period_end;

    const advancing = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: periodEnd + 60 });
    expect(advancing.status).toBe('advancing');
    const ready = await waitReady(clock.id);
    expect(ready.frozen_time).toBe(periodEnd + 60);

    const renewed = await stripe.subscriptions.retrieve(sub.id);
    expect(renewed.items.data[0].current_period_start).toBe(periodEnd);
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    expect(invoices.data.map((i) => [i.billing_reason, i.status])).toEqual(
      expect.arrayContaining([['subscription_create', 'paid'], ['subscription_cycle', 'paid']]),
    );
    const types = fake.events.map((e) => e.type);
    expect(types.indexOf('test_helpers.test_clock.advancing')).toBeLessThan(types.indexOf('invoice.paid', types.indexOf('test_helpers.test_clock.advancing')));
    expect(types.at(-1)).toBe('test_helpers.test_clock.ready');
  });

  it('keeps a clock created in the past at its own time while sharing the fake’s timeline', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START - 10 * DAY });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: START - 9 * DAY });
    expect((await waitReady(clock.id)).frozen_time).toBe(START - 9 * DAY);
    // One timeline: the fake's clock moved by the same day.
    expect(fake.now()).toBe(START + DAY);
  });

  it('refuses what Stripe refuses: going back, more than two intervals, an unknown clock', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START });
    const customer = await stripe.customers.create({ test_clock: clock.id });
    await stripe.subscriptions.create({ customer: customer.id, items: [{ price: priceId }] });
    await expect(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: START - 1 })).rejects.toMatchObject({ statusCode: 400, param: 'frozen_time' });
    await expect(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: START + 100 * DAY })).rejects.toMatchObject({ statusCode: 400, param: 'frozen_time' });
    await expect(stripe.testHelpers.testClocks.retrieve('clock_nope')).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    await expect(stripe.customers.create({ test_clock: 'clock_nope' })).rejects.toMatchObject({ statusCode: 404, param: 'test_clock' });
    expect(fake.now()).toBe(START);
  });

  it('deleting a clock deletes it and the customers and subscriptions on it', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START });
    const onClock = await stripe.customers.create({ test_clock: clock.id });
    const other = await stripe.customers.create({});
    await stripe.subscriptions.create({ customer: onClock.id, items: [{ price: priceId }] });
    expect(await stripe.testHelpers.testClocks.del(clock.id)).toMatchObject({ id: clock.id, object: 'test_helpers.test_clock', deleted: true });
    await expect(stripe.testHelpers.testClocks.retrieve(clock.id)).rejects.toMatchObject({ statusCode: 404 });
    expect(await stripe.customers.retrieve(onClock.id)).toMatchObject({ deleted: true });
    expect(fake.state.subscriptions.size).toBe(0);
    expect(fake.state.customers.has(other.id)).toBe(true);
  });
});
