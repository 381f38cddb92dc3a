import { PaymentsErrorCode, PaymentsException } from '../common/payments.exception';
import type { CatalogPlan, CatalogSeats } from '../plans/plan.types';

/** The most seats any request may name, whatever the plan says: keeps arithmetic and Stripe far from their limits. */
export const MAX_SEATS = 100_000;

/** 400 with a stable code and the bounds, for a seat quantity a plan does not allow. */
export function seatQuantityError(code: PaymentsErrorCode, message: string, seats?: CatalogSeats): PaymentsException {
  return new PaymentsException(400, code, message, seats ? { min: seats.min, max: seats.max } : {});
}

/** A whole number of seats from 1 to MAX_SEATS, or 400 `invalid_quantity` (0, negative, fractional, not a number). */
export function assertSeatCount(value: unknown, field = 'quantity'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_SEATS) {
    throw new PaymentsException(400, 'invalid_quantity', `${field} must be a whole number of seats from 1 to ${MAX_SEATS}.`, { field });
  }
  return value;
}

/** A purchased seat count within the plan's min/max, or 400 `quantity_below_min` / `quantity_above_max`. */
export function assertWithinPlan(quantity: number, seats: CatalogSeats): number {
  if (quantity < seats.min) throw seatQuantityError('quantity_below_min', `This plan needs at least ${seats.min} seats.`, seats);
  if (seats.max !== null && quantity > seats.max) throw seatQuantityError('quantity_above_max', `This plan allows at most ${seats.max} seats.`, seats);
  return quantity;
}

/**
 * The seats a checkout buys: the client's `quantity` checked against the plan, or the plan's
 * minimum when it sends none. A quantity on a plan without seats is 400 `plan_without_seats`.
 * Returns null for a plan without seats (quantity 1, as before).
 */
export function checkoutSeats(plan: CatalogPlan, quantity: unknown): number | null {
  if (!plan.seats) {
    if (quantity !== undefined) throw new PaymentsException(400, 'plan_without_seats', 'This plan is not sold per seat; leave quantity out.', { plan: plan.key });
    return null;
  }
  if (quantity === undefined) return plan.seats.min;
  return assertWithinPlan(assertSeatCount(quantity), plan.seats);
}
