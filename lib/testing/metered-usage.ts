import type Stripe from 'stripe';
import { meteredAmount } from '../metering/metered-amount';
import { FakeContext } from './fake-context';
import type { LineSpec } from './invoicing';

/** Sum of a customer's meter events on a meter (by event name) with timestamps in [start, end). */
export function meterUsage(ctx: FakeContext, customerId: string, eventName: string, start: number, end: number): number {
  let total = 0;
  for (const e of ctx.store.meterEvents.values()) {
    if (e.customer === customerId && e.event_name === eventName && e.timestamp >= start && e.timestamp < end) total += e.value;
  }
  return total;
}

/** The invoice lines of a subscription's metered items for a period: usage × price (tiers when the price has them). */
export function meteredUsageLines(ctx: FakeContext, sub: Stripe.Subscription, start: number, end: number): LineSpec[] {
  const lines: LineSpec[] = [];
  for (const item of sub.items.data) {
    const meterId = item.price.recurring?.usage_type === 'metered' ? item.price.recurring.meter : null;
    const meter = meterId ? ctx.store.meters.get(meterId) : undefined;
    if (!meter) continue;
    const used = meterUsage(ctx, sub.customer as string, meter.event_name, start, end);
    lines.push({
      amount: meteredAmount(item.price as never, used),
      description: `${used} × ${item.price.nickname ?? item.price.id} (usage)`,
      priceId: item.price.id,
      itemId: item.id,
      quantity: used,
      proration: false,
      periodStart: start,
      periodEnd: end,
    });
  }
  return lines;
}
