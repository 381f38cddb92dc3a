import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';

const DAY = 86_400;

describe('FakeStripe test clock and billing rules', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeEach(async () => {
    fake = await FakeStripe.start({ seed: 8, startTime: Date.UTC(2026, 2, 1) / 1000 });
    stripe = fake.client();
    fake.createPrice({ id: 'price_m', unitAmount: 1000, interval: 'month' });
    fake.createPrice({ id: 'price_m_plus', unitAmount: 4000, interval: 'month' });
  });
  afterEach(() => fake.stop());

  const typesFor = (subId: string, from = 0) =>
    fake.events.slice(from).filter((e) => {
      const o = e.data.object as { id?: string; parent?: { subscription_details?: { subscription?: string } } };
      return o.id === subId || o.parent?.subscription_details?.subscription === subId;
    }).map((e) => e.type);

  async function subscribe(card: 'success' | 'decline' = 'success', params: Partial<Stripe.SubscriptionCreateParams> = {}) {
    const customer = await stripe.customers.create({ email: 'clock@example.com' });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_m' }], ...params });
    fake.setCustomerCard(customer.id, card);
    return { customer, sub };
  }

  it('trial: trial_will_end three days before, then the first paid invoice and active', async () => {
    const { sub } = await subscribe('success', { trial_period_days: 7 });
    expect(sub.status).toBe('trialing');
    expect(sub.items.data[0].current_period_end).toBe(sub.trial_end);
    await fake.advanceTime(4 * DAY - 1);
    expect(typesFor(sub.id)).not.toContain('customer.subscription.trial_will_end');
    await fake.advanceTime(1);
    expect(typesFor(sub.id).at(-1)).toBe('customer.subscription.trial_will_end');
    const mark = fake.events.length;
    await fake.advanceTime(3 * DAY);
    const after = await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice'] });
    expect(after.status).toBe('active');
    expect((after.latest_invoice as Stripe.Invoice)).toMatchObject({ status: 'paid', amount_paid: 1000, billing_reason: 'subscription_cycle' });
    expect(typesFor(sub.id, mark)).toEqual(['customer.subscription.updated', 'invoice.created', 'invoice.finalized', 'invoice.paid', 'invoice.payment_succeeded']);
  });

  it('dunning: past_due, retries after 3, 5 and 7 days, then canceled', async () => {
    const { sub } = await subscribe('decline');
    await fake.advanceTime(sub.items.data[0].current_period_end - fake.now());
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('past_due');
    const invoice = (await stripe.invoices.list({ subscription: sub.id, status: 'open' })).data[0];
    const failedAt = fake.now();
    expect(invoice.next_payment_attempt).toBe(failedAt + 3 * DAY);
    await fake.advanceTime(3 * DAY);
    expect((await stripe.invoices.retrieve(invoice.id!)).next_payment_attempt).toBe(failedAt + 5 * DAY);
    await fake.advanceTime(2 * DAY);
    expect((await stripe.invoices.retrieve(invoice.id!)).attempt_count).toBe(3);
    await fake.advanceTime(2 * DAY);
    const final = await stripe.subscriptions.retrieve(sub.id);
    expect(final.status).toBe('canceled');
    expect(final.cancellation_details?.reason).toBe('payment_failed');
    expect((await stripe.invoices.retrieve(invoice.id!))).toMatchObject({ attempt_count: 4, next_payment_attempt: null });
    expect(typesFor(sub.id).filter((t) => t === 'invoice.payment_failed')).toHaveLength(4);
    expect(typesFor(sub.id).at(-1)).toBe('customer.subscription.deleted');
  });

  it('afterRetriesExhausted=unpaid leaves the subscription unpaid; paying recovers it', async () => {
    await fake.stop();
    fake = await FakeStripe.start({ seed: 9, afterRetriesExhausted: 'unpaid', paymentRetryDays: [1] });
    stripe = fake.client();
    fake.createPrice({ id: 'price_m', unitAmount: 1000, interval: 'month' });
    const { customer, sub } = await subscribe('decline');
    await fake.advanceTime(sub.items.data[0].current_period_end - fake.now() + DAY);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('unpaid');
    const open = (await stripe.invoices.list({ customer: customer.id, status: 'open' })).data[0];
    await fake.payInvoice(open.id!, { card: 'success' });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
  });

  it('cancel_at is honoured mid-period, and DELETE cancels now', async () => {
    const { sub } = await subscribe();
    const at = fake.now() + 10 * DAY;
    const updated = await stripe.subscriptions.update(sub.id, { cancel_at: at });
    expect(updated).toMatchObject({ cancel_at: at, cancel_at_period_end: false });
    await fake.advanceTime(10 * DAY);
    expect((await stripe.subscriptions.retrieve(sub.id))).toMatchObject({ status: 'canceled', ended_at: at });
    const { sub: other } = await subscribe();
    const canceled = await stripe.subscriptions.cancel(other.id);
    expect(canceled.status).toBe('canceled');
    expect(typesFor(other.id).at(-1)).toBe('customer.subscription.deleted');
    await expect(stripe.subscriptions.update(other.id, { cancel_at_period_end: true })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('pending_if_incomplete: a failed proration payment leaves the old price and a pending_update; paying applies it', async () => {
    const { customer, sub } = await subscribe();
    fake.setCustomerCard(customer.id, 'decline');
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: 'price_m_plus' }],
      proration_behavior: 'always_invoice',
      payment_behavior: 'pending_if_incomplete',
    });
    expect(updated.items.data[0].price.id).toBe('price_m');
    expect(updated.status).toBe('active');
    expect(updated.pending_update?.subscription_items?.[0]).toMatchObject({ price: 'price_m_plus' });
    fake.setCustomerCard(customer.id, 'success');
    await stripe.invoices.pay(updated.latest_invoice as string);
    const applied = await stripe.subscriptions.retrieve(sub.id);
    expect(applied.items.data[0].price.id).toBe('price_m_plus');
    expect(applied.pending_update).toBeNull();
    expect(typesFor(sub.id)).toContain('customer.subscription.pending_update_applied');
  });

  it('pending_update expires after 23 hours and its invoice is voided', async () => {
    const { customer, sub } = await subscribe();
    fake.setCustomerCard(customer.id, 'decline');
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: 'price_m_plus' }],
      proration_behavior: 'always_invoice',
      payment_behavior: 'pending_if_incomplete',
    });
    await fake.advanceTime(23 * 3600);
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.pending_update).toBeNull();
    expect(after.items.data[0].price.id).toBe('price_m');
    expect((await stripe.invoices.retrieve(updated.latest_invoice as string)).status).toBe('void');
    expect(typesFor(sub.id)).toContain('customer.subscription.pending_update_expired');
  });

  it('create_prorations adds proration lines to the next renewal invoice; quantity updates', async () => {
    const { sub } = await subscribe();
    await fake.advanceTime(15 * DAY);
    const up = await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, quantity: 3 }] });
    expect(up.items.data[0].quantity).toBe(3);
    await fake.advanceTime(up.items.data[0].current_period_end - fake.now());
    const inv = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data[0];
    const prorations = inv.lines.data.filter((l) => l.parent?.subscription_item_details?.proration);
    expect(prorations).toHaveLength(2);
    expect(inv.amount_due).toBeGreaterThan(3000);
    expect(inv.amount_due).toBeLessThan(5000);
  });

  it('incomplete subscriptions expire after 23 hours', async () => {
    const customer = await stripe.customers.create({});
    fake.setCustomerCard(customer.id, 'decline');
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_m' }] });
    expect(sub.status).toBe('incomplete');
    await fake.advanceTime(23 * 3600);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('incomplete_expired');
  });

  it('a card that requires action emits invoice.payment_action_required on renewal', async () => {
    const { customer, sub } = await subscribe();
    fake.setCustomerCard(customer.id, 'requires_action');
    await fake.advanceTime(sub.items.data[0].current_period_end - fake.now());
    expect(typesFor(sub.id)).toEqual(expect.arrayContaining(['invoice.payment_failed', 'invoice.payment_action_required']));
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('past_due');
  });

  it('paused subscriptions resume through the API', async () => {
    const { sub } = await subscribe();
    fake.pauseSubscription(sub.id);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('paused');
    const resumed = await stripe.subscriptions.resume(sub.id);
    expect(resumed.status).toBe('active');
    expect(typesFor(sub.id).slice(-3)).toEqual(['customer.subscription.updated', 'customer.subscription.resumed', 'customer.subscription.updated']);
  });

  it('billing meters: create, list, events with identifier dedupe, totals', async () => {
    const customer = await stripe.customers.create({});
    await stripe.billing.meters.create({ display_name: 'API calls', event_name: 'api_call', default_aggregation: { formula: 'sum' } });
    expect((await stripe.billing.meters.list()).data.map((m) => m.event_name)).toEqual(['api_call']);
    await stripe.billing.meterEvents.create({ event_name: 'api_call', payload: { stripe_customer_id: customer.id, value: '5' }, identifier: 'u-1' });
    await stripe.billing.meterEvents.create({ event_name: 'api_call', payload: { stripe_customer_id: customer.id, value: '2' }, identifier: 'u-2' });
    await expect(
      stripe.billing.meterEvents.create({ event_name: 'api_call', payload: { stripe_customer_id: customer.id, value: '5' }, identifier: 'u-1' }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'identifier' });
    await expect(stripe.billing.meterEvents.create({ event_name: 'nope', payload: { stripe_customer_id: customer.id, value: '1' } })).rejects.toMatchObject({ statusCode: 400 });
    expect(fake.meterTotals(customer.id, 'api_call')).toBe(7);
  });
});
