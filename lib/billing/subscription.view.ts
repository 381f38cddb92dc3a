import { endsAt, isSubscribed, onGracePeriod, onTrial } from '../access/billing-status';
import { PastDuePolicy } from '../payments.options';
import { BillingState } from '../persistence/billing-state';
import { PlanCatalog } from '../plans/plan-catalog';
import type { PaymentRecovery } from './payment-recovery.service';

/** The caller's billing state as `GET /subscription` answers it. Dates are ISO strings in JSON. */
export interface SubscriptionView {
  /** Plan in effect now: the subscribed plan, else the free plan's key (null with no free plan). */
  plan: string | null;
  planName: string | null;
  /** Stripe's subscription status; null when never subscribed. */
  status: string | null;
  /** Active, on trial, in grace after a cancel, or past due within the policy. */
  active: boolean;
  onTrial: boolean;
  /** Cancelled but the paid period has not ended: resume still works. */
  onGracePeriod: boolean;
  cancelAtPeriodEnd: boolean;
  /** When the subscription ends, if it is set to end. */
  cancelAt: Date | null;
  currentPeriodEnd: Date | null;
  trialEnd: Date | null;
  features: string[];
  limits: Record<string, number>;
  /** Present only while a payment is awaited (past_due, incomplete, unpaid): how to settle it. */
  paymentRecovery?: PaymentRecovery;
}

/** Builds the view from the stored state only (no Stripe call): what the guards would decide. */
export function subscriptionView(state: BillingState, catalog: PlanCatalog, policy: Required<PastDuePolicy>, now: Date = new Date()): SubscriptionView {
  const active = isSubscribed(state, now, policy);
  const plan = active && catalog.get(state.plan) ? catalog.get(state.plan) : catalog.freePlan();
  return {
    plan: plan?.key ?? null,
    planName: plan?.name ?? null,
    status: state.subscriptionStatus ?? null,
    active,
    onTrial: onTrial(state, now),
    onGracePeriod: onGracePeriod(state, now),
    cancelAtPeriodEnd: !!state.cancelAtPeriodEnd,
    cancelAt: endsAt(state),
    currentPeriodEnd: state.currentPeriodEnd ?? null,
    trialEnd: state.trialEnd ?? null,
    features: [...(plan?.features ?? [])],
    limits: { ...(plan?.limits ?? {}) },
  };
}
