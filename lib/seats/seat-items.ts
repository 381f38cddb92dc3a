import type Stripe from 'stripe';
import type { PlanCatalog } from '../plans/plan-catalog';
import type { BillingInterval, CatalogPlan } from '../plans/plan.types';

/** The subscription item that carries a seat plan's quantity, with the plan and interval it belongs to. */
export interface SeatItem {
  item: Stripe.SubscriptionItem;
  plan: CatalogPlan;
  interval: BillingInterval;
}

/**
 * The seat item of a subscription: the per-seat add-on of a "base + seats" plan, or the plan's own
 * price when that price is per seat. Undefined when the subscription's plan is not sold per seat.
 */
export function seatItemOf(catalog: PlanCatalog, sub: Stripe.Subscription): SeatItem | undefined {
  for (const item of sub.items?.data ?? []) {
    const priceId = typeof item.price === 'string' ? item.price : item.price?.id;
    const lookup = catalog.byPriceId(priceId);
    if (!lookup?.plan.seats) continue;
    if (catalog.seatPriceFor(lookup.plan.key, lookup.interval) === priceId) return { item, plan: lookup.plan, interval: lookup.interval };
  }
  return undefined;
}
