import type { ResolvedPrice } from '../billing/billing-inputs';
import type { PlanCatalog } from '../plans/plan-catalog';

/**
 * Checkout line items for a plan: its price with quantity 1 for a plan without seats; the seats as the
 * quantity of a per-seat plan's price; or the flat base (first, so it names the plan) plus the
 * per-seat add-on for "base + seats". The plan's metered prices follow, without a quantity
 * (Stripe refuses one: usage sets what they bill).
 */
export function checkoutLineItems(catalog: PlanCatalog, price: ResolvedPrice, seats: number | null): { price: string; quantity?: number }[] {
  const lines = catalog.checkoutLines(price.plan.key, price.priceId);
  if (seats === null) return lines;
  const seatPrice = catalog.seatPriceFor(price.plan.key, price.interval) ?? price.priceId;
  const fixed = seatPrice === price.priceId ? [{ price: price.priceId, quantity: seats }] : [{ price: price.priceId, quantity: 1 }, { price: seatPrice, quantity: seats }];
  return [...fixed, ...lines.slice(1)];
}
