import { PastDuePolicy } from '../payments.options';
import { PlanCatalog } from '../plans/plan-catalog';
import { isSubscribed, StatusSnapshot } from './billing-status';

/** What a route asks of the caller's billing state; every named part must hold. */
export interface AccessRequirement {
  /** A live subscription (active, trial, grace after cancel, past due within policy). */
  active?: boolean;
  /** The plan in effect must be one of these keys (any of them). */
  plans?: readonly string[];
  /** The plan in effect must grant every one of these features. */
  features?: readonly string[];
}

/** Why a request was refused, with the status and body details the client sees. */
export interface AccessRefusal {
  allowed: false;
  status: 401 | 403;
  code: 'unauthenticated' | 'subscription_required' | 'plan_required' | 'feature_required';
  message: string;
  details: Record<string, unknown>;
}

/** The outcome of `decideAccess`. */
export type AccessDecision = { allowed: true; plan: string | null; subscribed: boolean } | AccessRefusal;

/**
 * The plan in effect: the subscribed plan while the subscription gives access, else the free plan
 * (null when the catalogue has none). A plan key the catalogue no longer knows falls back to free.
 */
export function effectivePlan(state: StatusSnapshot | null, catalog: PlanCatalog, policy: Required<PastDuePolicy>, now: Date): string | null {
  const subscribed = state && isSubscribed(state, now, policy) && catalog.get(state.plan) ? state.plan : null;
  // A plan bought for life is a floor: a subscription to a bigger plan wins while it gives access.
  const lifetime = state?.lifetimePlan && catalog.get(state.lifetimePlan) ? state.lifetimePlan : null;
  if (subscribed && lifetime) return catalog.rank(subscribed) >= catalog.rank(lifetime) ? subscribed : lifetime;
  return subscribed ?? lifetime ?? catalog.freePlan()?.key ?? null;
}

/** True when the state gives access as a subscription does: subscribed now, or holding a plan for life. */
export function hasPaidAccess(state: StatusSnapshot, catalog: PlanCatalog, policy: Required<PastDuePolicy>, now: Date): boolean {
  return isSubscribed(state, now, policy) || (!!state.lifetimePlan && catalog.get(state.lifetimePlan) !== undefined);
}

/**
 * The one access decision: a pure function of the billing state (null = no billing row, or no
 * billable at all when `authenticated` is false), the catalogue, the past-due policy, the time and
 * the route's requirement. Unknown statuses deny.
 */
export function decideAccess(
  state: StatusSnapshot | null,
  catalog: PlanCatalog,
  policy: Required<PastDuePolicy>,
  now: Date,
  requirement: AccessRequirement,
  authenticated = true,
): AccessDecision {
  if (!authenticated) {
    return refuse(401, 'unauthenticated', 'Sign in to use this feature.', {});
  }
  const subscribed = state !== null && hasPaidAccess(state, catalog, policy, now);
  const plan = effectivePlan(state, catalog, policy, now);
  if (requirement.active && !subscribed) {
    return refuse(403, 'subscription_required', 'An active subscription is required.', {
      currentPlan: plan,
      subscriptionStatus: state?.subscriptionStatus ?? null,
    });
  }
  if (requirement.plans && requirement.plans.length > 0 && (plan === null || !requirement.plans.includes(plan))) {
    return refuse(403, 'plan_required', `This needs the ${requirement.plans.join(' or ')} plan.`, {
      currentPlan: plan,
      requiredPlans: [...requirement.plans],
    });
  }
  if (requirement.features && requirement.features.length > 0) {
    const granted = catalog.features(plan);
    const missing = requirement.features.filter((feature) => !granted.includes(feature));
    if (missing.length > 0) {
      // Plans that would lift the refusal: those granting every missing feature.
      const plans = catalog
        .list()
        .filter((candidate) => missing.every((feature) => candidate.features.includes(feature)))
        .map((candidate) => candidate.key);
      return refuse(403, 'feature_required', `Your plan does not include ${missing.join(', ')}.`, {
        currentPlan: plan,
        requiredFeatures: missing,
        plans,
      });
    }
  }
  return { allowed: true, plan, subscribed };
}

function refuse(status: 401 | 403, code: AccessRefusal['code'], message: string, details: Record<string, unknown>): AccessRefusal {
  return { allowed: false, status, code, message, details };
}
