import type { ResolvedPrice } from '../billing/billing-inputs';
import type { PlanCatalog } from '../plans/plan-catalog';

/**
 * Checkout line items for a plan: one item of quantity 1 for a plan without seats; the seats as the
 * quantity of a per-seat plan's price; or the flat base (first, so it names the plan) plus the
 * per-seat add-on for "base + seats".
 */
export function checkoutLineItems(catalog: PlanCatalog, price: ResolvedPrice, seats: number | null): { price: string; quantity: number }[] {
  if (seats === null) return [{ price: price.priceId, quantity: 1 }];
  const seatPrice = catalog.seatPriceFor(price.plan.key, price.interval) ?? price.priceId;
  if (seatPrice === price.priceId) return [{ price: price.priceId, quantity: seats }];
  return [
    { price: price.priceId, quantity: 1 },
    { price: seatPrice, quantity: seats },
  ];
}
