import type Stripe from 'stripe';
import { FakeContext } from './fake-context';
import { MeterEventRecord } from './fake-store';
import { meterUsage } from './metered-usage';

/** Creates (or returns the existing) active `sum` meter for `eventName`, as `stripe.billing.meters.create` would. */
export function createTestMeter(ctx: FakeContext, eventName: string, displayName: string): Stripe.Billing.Meter {
  const meter = ctx.store.meters.get(`mtr_test_${eventName}`);
  if (meter) return structuredClone(meter);
  const created = {
    created: ctx.now(), customer_mapping: { event_payload_key: 'stripe_customer_id', type: 'by_id' }, default_aggregation: { formula: 'sum' },
    display_name: displayName, event_name: eventName, event_time_window: null, id: `mtr_test_${eventName}`, livemode: false, object: 'billing.meter',
    status: 'active', status_transitions: { deactivated_at: null }, updated: ctx.now(), value_settings: { event_payload_key: 'value' },
  } as unknown as Stripe.Billing.Meter;
  ctx.store.meters.set(created.id, created);
  return structuredClone(created);
}

/** Every accepted meter event, oldest first. */
export function acceptedMeterEvents(ctx: FakeContext): readonly MeterEventRecord[] {
  return [...ctx.store.meterEvents.values()];
}

/** Sum of a customer's meter event values for an event name, at any time. */
export function meterTotal(ctx: FakeContext, customerId: string, eventName: string): number {
  return meterUsage(ctx, customerId, eventName, -Infinity, Infinity);
}
