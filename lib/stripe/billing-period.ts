import type Stripe from 'stripe';

/** A subscription's current billing period, in unix seconds. */
export interface BillingPeriod {
  start: number | null;
  end: number | null;
}

type WithLegacyPeriod = { current_period_start?: number | null; current_period_end?: number | null };

/**
 * The current billing period: on the first item since API 2025-03-31, on the subscription before
 * (an event rendered in an older endpoint version, or a schedule phase built from one, has that shape).
 */
export function subscriptionPeriod(sub: Stripe.Subscription, item: Stripe.SubscriptionItem | undefined = sub.items?.data?.[0]): BillingPeriod {
  const onItem = item as (Stripe.SubscriptionItem & WithLegacyPeriod) | undefined;
  const legacy = sub as unknown as WithLegacyPeriod;
  return {
    start: onItem?.current_period_start ?? legacy.current_period_start ?? null,
    end: onItem?.current_period_end ?? legacy.current_period_end ?? null,
  };
}
