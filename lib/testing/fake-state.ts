import type Stripe from 'stripe';
import { CURRENT_API_VERSION } from './api-versions';
import { renderEvent } from './event-payloads';
import { FakeContext } from './fake-context';
import { FakeStore } from './fake-store';

/** Read-only view of what the fake holds: the oracle tests diff their local tables against. */
export interface FakeStripeState {
  readonly customers: ReadonlyMap<string, Stripe.Customer>;
  readonly products: ReadonlyMap<string, Stripe.Product>;
  readonly prices: ReadonlyMap<string, Stripe.Price>;
  readonly subscriptions: ReadonlyMap<string, Stripe.Subscription>;
  readonly subscriptionSchedules: ReadonlyMap<string, Stripe.SubscriptionSchedule>;
  readonly invoices: ReadonlyMap<string, Stripe.Invoice>;
  readonly checkoutSessions: ReadonlyMap<string, Stripe.Checkout.Session>;
  readonly portalSessions: ReadonlyMap<string, Stripe.BillingPortal.Session>;
  readonly coupons: ReadonlyMap<string, Stripe.Coupon>;
  readonly promotionCodes: ReadonlyMap<string, Stripe.PromotionCode>;
  readonly paymentMethods: ReadonlyMap<string, Stripe.PaymentMethod>;
  readonly paymentIntents: ReadonlyMap<string, Stripe.PaymentIntent>;
  readonly charges: ReadonlyMap<string, Stripe.Charge>;
  readonly refunds: ReadonlyMap<string, Stripe.Refund>;
}

/** The store's maps themselves (not copies), so a test sees later changes through the same view. */
export function stateView(s: FakeStore): FakeStripeState {
  return {
    customers: s.customers, products: s.products, prices: s.prices, subscriptions: s.subscriptions, subscriptionSchedules: s.subscriptionSchedules,
    invoices: s.invoices, checkoutSessions: s.checkoutSessions, portalSessions: s.portalSessions,
    coupons: s.coupons, promotionCodes: s.promotionCodes, paymentMethods: s.paymentMethods, paymentIntents: s.paymentIntents, charges: s.charges, refunds: s.refunds,
  };
}

/** Every event so far, rendered in the account's API version (the stored ones are in the current version). */
export function accountEvents(ctx: FakeContext): readonly Stripe.Event[] {
  const version = ctx.options.apiVersion;
  return version === CURRENT_API_VERSION ? ctx.store.events : ctx.store.events.map((e) => renderEvent(e, version));
}
