import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Stripe from 'stripe';
import { buildStripeEvent, FakeStripe } from '../../lib/testing';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function loadFixtures(): Record<string, Json> {
  const shared = path.resolve(__dirname, '../../../shared/stripe/fixtures3.json');
  const file = existsSync(shared) ? shared : path.resolve(__dirname, 'fixtures/stripe-fixtures.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { resources: Record<string, Json> }).resources;
}

/** The fixture event wraps a plan; only the envelope is compared for events. */
function envelope(event: Json): Json {
  const e = event as Record<string, Json>;
  return { ...e, data: { ...(e.data as Record<string, Json>), object: {} } };
}

const kind = (v: Json): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Differences in keys and value types. A null on either side matches anything: the fixture's
 * null marks a nullable field, ours means "nothing to report" (Stripe sends null there too).
 */
function shapeDiff(fixture: Json, ours: Json, at = '$'): string[] {
  if (fixture === null || ours === null) return [];
  if (kind(fixture) !== kind(ours)) return [`${at}: fixture ${kind(fixture)}, fake ${kind(ours)}`];
  if (Array.isArray(fixture) && Array.isArray(ours)) {
    return fixture.length > 0 && ours.length > 0 ? shapeDiff(fixture[0], ours[0], `${at}[0]`) : [];
  }
  if (kind(fixture) !== 'object') return [];
  const f = fixture as Record<string, Json>;
  const o = ours as Record<string, Json>;
  const out: string[] = [];
  if (at.endsWith('.metadata')) return [];
  for (const k of Object.keys(f)) if (!(k in o)) out.push(`${at}.${k}: missing in fake`);
  for (const k of Object.keys(o)) if (!(k in f)) out.push(`${at}.${k}: not in fixture`);
  // metadata is a free-form map: only its type matters.
  for (const k of Object.keys(f)) if (k in o && k !== 'metadata') out.push(...shapeDiff(f[k], o[k], `${at}.${k}`));
  return out;
}

describe('FakeStripe objects have Stripe fixture shapes', () => {
  const fixtures = loadFixtures();
  let fake: FakeStripe;
  const objects: Record<string, Json> = {};

  async function raw(method: string, p: string, body?: string): Promise<Json> {
    const res = await fetch(`${fake.url}${p}`, {
      method,
      body,
      headers: { authorization: `Bearer ${fake.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    });
    return (await res.json()) as Json;
  }

  beforeAll(async () => {
    fake = await FakeStripe.start({ seed: 3 });
    const stripe: Stripe = fake.client();
    fake.createPrice({ id: 'price_shape', unitAmount: 1500, interval: 'month' });
    const customer = await stripe.customers.create({ email: 'shape@example.com' });
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', customer: customer.id, line_items: [{ price: 'price_shape', quantity: 2 }], success_url: 'https://x.example/ok' });
    const { subscriptionId } = await fake.completeCheckout(session.id);
    const sub = (await raw('GET', `/v1/subscriptions/${subscriptionId}`)) as Record<string, Json>;
    objects.customer = await raw('GET', `/v1/customers/${customer.id}`);
    objects.price = await raw('GET', '/v1/prices/price_shape');
    objects.product = await raw('GET', `/v1/products/${(objects.price as Record<string, Json>).product}`);
    objects['checkout.session'] = await raw('GET', `/v1/checkout/sessions/${session.id}`);
    objects.subscription = sub;
    objects.payment_method = await raw('GET', `/v1/payment_methods/${sub.default_payment_method}`);
    objects.subscription_item = ((sub.items as Record<string, Json>).data as Json[])[0];
    objects.invoice = await raw('GET', `/v1/invoices/${sub.latest_invoice}`);
    objects.event = ((await raw('GET', '/v1/events?type=customer.created')) as { data: Json[] }).data[0];
    objects['billing_portal.session'] = await raw('POST', '/v1/billing_portal/sessions', `customer=${customer.id}&return_url=https%3A%2F%2Fx.example`);
    objects['billing.meter'] = await raw('POST', '/v1/billing/meters', 'display_name=API&event_name=api_calls&default_aggregation[formula]=sum');
    objects['billing.meter_event'] = await raw('POST', '/v1/billing/meter_events', `event_name=api_calls&payload[stripe_customer_id]=${customer.id}&payload[value]=3&identifier=shape-1`);
    const schedule = (await raw('POST', '/v1/subscription_schedules', `from_subscription=${subscriptionId}`)) as Record<string, Json>;
    objects.subscription_schedule = await raw('GET', `/v1/subscription_schedules/${schedule.id}`);
    // One-time payments: a payment-mode session paid, then refunded in part.
    fake.createPrice({ id: 'price_shape_once', unitAmount: 900 });
    const once = await stripe.checkout.sessions.create({ mode: 'payment', customer: customer.id, line_items: [{ price: 'price_shape_once', quantity: 1 }], success_url: 'https://x.example/ok' });
    await fake.completeCheckout(once.id);
    const intentId = ((await raw('GET', `/v1/checkout/sessions/${once.id}`)) as Record<string, Json>).payment_intent as string;
    objects.payment_intent = await raw('GET', `/v1/payment_intents/${intentId}`);
    objects.refund = await raw('POST', '/v1/refunds', `payment_intent=${intentId}&amount=100`);
    objects.charge = await raw('GET', `/v1/charges/${(objects.payment_intent as Record<string, Json>).latest_charge}`);
  });
  afterAll(() => fake.stop());

  it.each(['customer', 'price', 'product', 'checkout.session', 'subscription', 'subscription_item', 'invoice', 'event', 'billing_portal.session', 'billing.meter', 'billing.meter_event', 'subscription_schedule', 'payment_method', 'payment_intent', 'charge', 'refund'])(
    '%s matches the fixture keys and value types',
    (name) => {
      expect(objects[name]).toBeDefined();
      const [fixture, ours] = name === 'event' ? [envelope(fixtures.event), envelope(objects.event)] : [fixtures[name], objects[name]];
      expect(shapeDiff(fixture, ours)).toEqual([]);
    },
  );

  it('keeps the billing period on subscription items, not the subscription', () => {
    const sub = objects.subscription as Record<string, Json>;
    expect(sub.current_period_end).toBeUndefined();
    expect(typeof (objects.subscription_item as Record<string, Json>).current_period_end).toBe('number');
  });

  it('buildStripeEvent completes partial objects to the fixture shape', () => {
    const cases: [string, string][] = [
      ['customer.subscription.updated', 'subscription'],
      ['invoice.paid', 'invoice'],
      ['checkout.session.completed', 'checkout.session'],
      ['customer.created', 'customer'],
    ];
    for (const [type, name] of cases) {
      const event = buildStripeEvent(type, { metadata: { k: 'v' } }, { previousAttributes: { status: 'trialing' } }) as unknown as Record<string, Json>;
      expect(shapeDiff(envelope(fixtures.event), envelope({ ...event, data: { object: {} } }))).toEqual([]);
      const data = event.data as Record<string, Json>;
      expect(shapeDiff(fixtures[name], data.object)).toEqual([]);
      expect((data.object as Record<string, Json>).metadata).toEqual({ k: 'v' });
      expect(data.previous_attributes).toEqual({ status: 'trialing' });
      expect(event.type).toBe(type);
    }
  });
});
