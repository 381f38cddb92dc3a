import { Column, Index } from 'typeorm';
import { billingContext } from '../access/billing-context';
import { daysUntilRenewal, isSubscribed, onGracePeriod, onTrial } from '../access/billing-status';
import { markBillable } from './billable-marker';
import { BillingState } from './billing-state';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Constructor<T = object> = new (...args: any[]) => T;

/** The base used when the app's entity extends nothing else. */
class EmptyBase {}

/** Methods every billable gets from the mixin. */
export interface BillableMethods {
  /** Active, on trial, in grace after a cancel, or past due within the configured policy. */
  isSubscribed(now?: Date): boolean;
  /** On a trial that has not ended. */
  onTrial(now?: Date): boolean;
  /** Cancelled, but the paid period has not ended yet (resume is still possible). */
  onGracePeriod(now?: Date): boolean;
  /** The plan in effect now: the subscribed plan, or the free plan when nothing is live. */
  effectivePlan(now?: Date): string | null;
  /** True when the plan in effect is one of these keys. */
  hasPlan(...keys: string[]): boolean;
  /** True when the plan in effect grants this feature. */
  hasFeature(name: string): boolean;
  /** Whole days until the current period ends; null without a live subscription. */
  daysUntilRenewal(now?: Date): number | null;
}

/**
 * Adds the billing columns and methods to the app's own entity:
 * `@Entity() class User extends SubscriptionMixin(BaseUser) {}` (or `SubscriptionMixin()` for no base).
 * Column types are portable (SQLite, PostgreSQL, MySQL/MariaDB) and names are snake_case.
 */
export function SubscriptionMixin<TBase extends Constructor = typeof EmptyBase>(Base: TBase = EmptyBase as TBase) {
  class Billable extends Base implements BillingState, BillableMethods {
    @Index({ unique: true })
    @Column({ name: 'stripe_customer_id', type: String, length: 255, nullable: true })
    stripeCustomerId: string | null;

    @Index()
    @Column({ name: 'stripe_subscription_id', type: String, length: 255, nullable: true })
    stripeSubscriptionId: string | null;

    @Column({ name: 'plan', type: String, length: 64, nullable: true })
    plan: string | null;

    @Column({ name: 'subscription_status', type: String, length: 32, nullable: true })
    subscriptionStatus: string | null;

    @Column({ name: 'current_period_start', type: Date, nullable: true })
    currentPeriodStart: Date | null;

    @Column({ name: 'current_period_end', type: Date, nullable: true })
    currentPeriodEnd: Date | null;

    @Column({ name: 'cancel_at_period_end', type: Boolean, default: false })
    cancelAtPeriodEnd: boolean;

    @Column({ name: 'cancel_at', type: Date, nullable: true })
    cancelAt: Date | null;

    @Column({ name: 'trial_start', type: Date, nullable: true })
    trialStart: Date | null;

    @Column({ name: 'trial_end', type: Date, nullable: true })
    trialEnd: Date | null;

    @Column({ name: 'trial_used', type: Boolean, default: false })
    trialUsed: boolean;

    @Column({ name: 'past_due_since', type: Date, nullable: true })
    pastDueSince: Date | null;

    @Column({ name: 'billing_version', type: 'int', default: 0 })
    billingVersion: number;

    // Milliseconds matter: it orders syncs, and MySQL rounds a DATETIME without precision up to the next second.
    @Column({ name: 'billing_synced_at', type: Date, nullable: true, precision: 3 })
    billingSyncedAt: Date | null;

    isSubscribed(now: Date = new Date()): boolean {
      return isSubscribed(this, now, billingContext().pastDue);
    }

    onTrial(now: Date = new Date()): boolean {
      return onTrial(this, now);
    }

    onGracePeriod(now: Date = new Date()): boolean {
      return onGracePeriod(this, now);
    }

    effectivePlan(now: Date = new Date()): string | null {
      const { catalog, pastDue } = billingContext();
      if (isSubscribed(this, now, pastDue) && catalog.get(this.plan)) return this.plan;
      return catalog.freePlan()?.key ?? null;
    }

    hasPlan(...keys: string[]): boolean {
      const plan = this.effectivePlan();
      return plan !== null && keys.includes(plan);
    }

    hasFeature(name: string): boolean {
      return billingContext().catalog.features(this.effectivePlan()).includes(name);
    }

    daysUntilRenewal(now: Date = new Date()): number | null {
      return daysUntilRenewal(this, now, billingContext().pastDue);
    }
  }
  markBillable(Billable);
  return Billable;
}
