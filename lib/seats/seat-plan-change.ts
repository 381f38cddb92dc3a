import type Stripe from 'stripe';
import { PaymentsException } from '../common/payments.exception';
import type { PlanCatalog } from '../plans/plan-catalog';
import type { CatalogPlan } from '../plans/plan.types';
import { assertWithinPlan } from './seat-quantity';

/**
 * Refuses, before any Stripe write, a plan change that swapping the subscription's one price would
 * bill wrongly: seat add-on items ("base + seats") and metered prices are not swapped by a plan
 * change (409 `plan_change_unsupported`: a new checkout or the portal does it), and the seats
 * bought must fit the target plan (400 `plan_without_seats`, `quantity_below_min`, `quantity_above_max`).
 */
export function assertSeatsFitChange(catalog: PlanCatalog, sub: Stripe.Subscription, target: CatalogPlan): void {
  const [item] = sub.items.data;
  const addOns = sub.items.data.length > 1 || Object.keys(target.seats?.prices ?? {}).length > 0;
  const metered = catalog.isMeteredPrice(item.price.id) || Object.keys(target.metered).length > 0;
  if (addOns || metered) {
    throw new PaymentsException(409, 'plan_change_unsupported', `A change to or from a plan with seat add-ons or metered prices cannot swap one price; start it with a new checkout or in the billing portal.`, {
      plan: target.key,
    });
  }
  const quantity = item.quantity ?? 1;
  if (!target.seats) {
    if (quantity !== 1) throw new PaymentsException(400, 'plan_without_seats', `The ${target.name} plan is not sold per seat; set the seats to 1 first.`, { plan: target.key, seats: quantity });
    return;
  }
  assertWithinPlan(quantity, target.seats);
}
