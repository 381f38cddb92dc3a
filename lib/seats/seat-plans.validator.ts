import type { PlanDefinition } from '../plans/plan.types';

/**
 * Checks a plan's `seats` at start-up; returns the per-seat add-on price ids (for the catalogue-wide
 * "one price, one plan" check). `fail` throws with one actionable sentence.
 */
export function validatePlanSeats(key: string, plan: PlanDefinition, fail: (sentence: string) => never): string[] {
  const seats = plan.seats;
  if (seats === undefined) return [];
  if (!seats || typeof seats !== 'object' || Array.isArray(seats)) fail(`plan '${key}' seats must be an object such as { min: 1, max: 50 }.`);
  for (const field of ['included', 'min', 'max'] as const) {
    const value = seats[field];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) fail(`plan '${key}' seats.${field} is ${String(value)}; use a whole number of 0 or more, or leave it out.`);
  }
  const min = seats.min ?? 1;
  if (min < 1) fail(`plan '${key}' seats.min is 0; a subscription buys at least 1 seat (put free seats in seats.included).`);
  if (seats.max !== undefined && seats.max < min) fail(`plan '${key}' seats.max (${seats.max}) is below seats.min (${min}).`);
  const planPrices: Record<string, string | undefined> = { ...(plan.prices ?? {}) };
  if (plan.priceId && !planPrices.month) planPrices.month = plan.priceId;
  const addOn: Record<string, string | undefined> = { ...(seats.prices ?? {}) };
  if (seats.priceId && !addOn.month) addOn.month = seats.priceId;
  if (seats.priceId && seats.prices?.month && seats.prices.month !== seats.priceId) fail(`plan '${key}' sets both seats.priceId and seats.prices.month; keep one of them.`);
  const free = Object.values(planPrices).every((p) => !p);
  if (free) {
    // A free plan may include seats (e.g. 3 members free) but has nothing to buy them with.
    if (Object.values(addOn).some(Boolean) || seats.min !== undefined || seats.max !== undefined) {
      fail(`plan '${key}' is free, so its seats can only be seats.included; give the plan a price to sell seats.`);
    }
    return [];
  }
  const addOnIds = Object.values(addOn).filter((p): p is string => !!p);
  if (addOnIds.length === 0) return [];
  for (const [interval, price] of Object.entries(addOn)) {
    if (!price) continue;
    if (typeof price !== 'string' || !price.startsWith('price_')) fail(`plan '${key}' has seat price '${String(price)}'; a Stripe price id starts with "price_".`);
    if (!planPrices[interval]) fail(`plan '${key}' has a seat price for '${interval}' but no base price for it; give prices.${interval} too.`);
    if (planPrices[interval] === price) fail(`plan '${key}' uses '${price}' as both base and seat price; leave seats.prices out to sell the plan's own price per seat.`);
  }
  for (const interval of Object.keys(planPrices)) {
    if (planPrices[interval] && !addOn[interval]) fail(`plan '${key}' is "base + seats" but has no seat price for '${interval}'; add seats.prices.${interval}.`);
  }
  return addOnIds;
}
