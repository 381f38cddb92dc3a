import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';

const DAY = 86_400;
const START = Date.UTC(2026, 2, 1) / 1000;

describe('FakeStripe Billing Meters: events, summaries, metered prices at renewal', () => {
  let fake: FakeStripe;
  let stripe: Stripe;
  let meter: Stripe.Billing.Meter;

  beforeEach(async () => {
    fake = await FakeStripe.start({ seed: 14, startTime: START });
    stripe = fake.client();
    meter = fake.createMeter('api_calls');
    fake.createPrice({ id: 'price_base', unitAmount: 1000, interval: 'month' });
    // 1,000 units included, then 2 cents each.
    fake.createPrice({ id: 'price_calls', interval: 'month', meter: meter.id, tiers: [{ upTo: 1000, unitAmount: 0 }, { upTo: null, unitAmount: 2 }] });
  });
  afterEach(() => fake.stop());

  async function subscribe() {
    const customer = await stripe.customers.create({ email: 'meters@example.com' });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_base' }, { price: 'price_calls' }] });
    return { customer, sub };
  }
  const send = (customer: string, value: number, identifier: string, timestamp = fake.now()) =>
    stripe.billing.meterEvents.create({ event_name: 'api_calls', identifier, timestamp, payload: { stripe_customer_id: customer, value: String(value) } });

  it('a metered item has no quantity and bills nothing up front', async () => {
    const { sub } = await subscribe();
    const item = sub.items.data.find((i) => i.price.id === 'price_calls')!;
    expect(item.price.recurring).toMatchObject({ usage_type: 'metered', meter: meter.id });
    expect(item).not.toHaveProperty('quantity');
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(invoice.amount_due).toBe(1000);
  });

  it('refuses a repeated identifier inside 24 h and accepts it after; refuses timestamps past 35 days or over 5 minutes ahead', async () => {
    const { customer } = await subscribe();
    await send(customer.id, 5, 'id-1');
    await expect(send(customer.id, 5, 'id-1')).rejects.toMatchObject({ statusCode: 400, code: 'duplicate_meter_event' });
    await expect(send(customer.id, 1, 'old', fake.now() - 35 * DAY - 1)).rejects.toMatchObject({ statusCode: 400, param: 'timestamp' });
    await expect(send(customer.id, 1, 'ahead', fake.now() + 301)).rejects.toMatchObject({ statusCode: 400, param: 'timestamp' });
    await send(customer.id, 1, 'edge', fake.now() - 35 * DAY);
    expect(fake.meterTotals(customer.id, 'api_calls')).toBe(6);
    await fake.advanceTime(DAY);
    await send(customer.id, 5, 'id-1');
    expect(fake.meterTotals(customer.id, 'api_calls')).toBe(11);
  });

  it('event summaries sum a customer range, whole or per hour, on minute-aligned bounds', async () => {
    const { customer } = await subscribe();
    const hour = START - 7200;
    await send(customer.id, 3, 'a', hour + 10);
    await send(customer.id, 4, 'b', hour + 3600 + 10);
    const other = await stripe.customers.create({ email: 'other@example.com' });
    await send(other.id, 100, 'c', hour + 20);
    const whole = await stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: hour, end_time: hour + 7200 });
    expect(whole.data.map((s) => s.aggregated_value)).toEqual([7]);
    const hourly = await stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: hour, end_time: hour + 7200, value_grouping_window: 'hour' });
    expect(hourly.data.map((s) => [s.start_time, s.aggregated_value]).sort()).toEqual([[hour, 3], [hour + 3600, 4]]);
    await expect(stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: hour + 1, end_time: hour + 60 })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('the renewal invoice bills the period usage through the tiers: 1,250 units = 250 over the 1,000 included = 500 cents', async () => {
    const { customer, sub } = await subscribe();
    await send(customer.id, 1000, 'p1', fake.now() + 10);
    await send(customer.id, 250, 'p2', fake.now() + 20);
    await fake.advanceTime(31 * DAY);
    const renewed = await stripe.subscriptions.retrieve(sub.id);
    const invoice = await stripe.invoices.retrieve(renewed.latest_invoice as string);
    expect(invoice.billing_reason).toBe('subscription_cycle');
    const usage = invoice.lines.data.find((l) => l.description?.includes('(usage)'));
    expect(usage).toMatchObject({ amount: 500, quantity: 1250 });
    expect(invoice.amount_due).toBe(1000 + 500);
    // The next period starts from zero usage.
    await fake.advanceTime(31 * DAY);
    const next = await stripe.invoices.retrieve((await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string);
    expect(next.amount_due).toBe(1000);
  });

  it('checkout refuses a quantity on a metered line and accepts the line without one', async () => {
    const base = { mode: 'subscription' as const, success_url: 'https://app.example.com/ok', cancel_url: 'https://app.example.com/no' };
    await expect(stripe.checkout.sessions.create({ ...base, line_items: [{ price: 'price_calls', quantity: 1 }] })).rejects.toMatchObject({ statusCode: 400 });
    const session = await stripe.checkout.sessions.create({ ...base, line_items: [{ price: 'price_calls' }] });
    const done = await fake.completeCheckout(session.id);
    const sub = await stripe.subscriptions.retrieve(done.subscriptionId!);
    expect(sub.status).toBe('active');
    expect(sub.items.data[0].price.id).toBe('price_calls');
  });
});
