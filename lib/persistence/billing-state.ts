/** The billing columns the mixin adds: the state guards read and the webhook sync writes. */
export interface BillingState {
  /** Stripe customer id (`cus_...`); unique per billable. */
  stripeCustomerId: string | null;
  /** The current (or last) Stripe subscription id. */
  stripeSubscriptionId: string | null;
  /** Plan key of the current subscription, from its price; null means the free plan. */
  plan: string | null;
  /** Stripe subscription status; null when never subscribed. */
  subscriptionStatus: string | null;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  /** True when the subscription ends at the end of the period (a cancel with grace). */
  cancelAtPeriodEnd: boolean;
  /** When the subscription is set to end (portal cancels set this instead of cancelAtPeriodEnd). */
  cancelAt: Date | null;
  trialStart: Date | null;
  trialEnd: Date | null;
  /** True once the billable has started a trial: a trial is granted at most once. */
  trialUsed: boolean;
  /** When the subscription first became past_due in its current run of failures. */
  pastDueSince: Date | null;
  /** Increased on every write of the billing state, for caches and stale-write checks. */
  billingVersion: number;
  /** When the state was last synced from Stripe. */
  billingSyncedAt: Date | null;
}

/** The billing columns by property name, for updates and diffs. */
export const BILLING_STATE_FIELDS: readonly (keyof BillingState)[] = [
  'stripeCustomerId',
  'stripeSubscriptionId',
  'plan',
  'subscriptionStatus',
  'currentPeriodStart',
  'currentPeriodEnd',
  'cancelAtPeriodEnd',
  'cancelAt',
  'trialStart',
  'trialEnd',
  'trialUsed',
  'pastDueSince',
  'billingVersion',
  'billingSyncedAt',
];
