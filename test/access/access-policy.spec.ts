import { decideAccess, PlanCatalog } from '../../lib';
import { BillingState } from '../../lib/persistence/billing-state';
import { testPlans } from '../support/test-plans';

// R12: the access decision as a table. Expected values are written out by hand below, never
// computed by the code under test.
const NOW = new Date('2026-06-15T12:00:00.000Z');
const S = 1000;
const DAY = 86_400_000;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
const catalog = new PlanCatalog(testPlans);
const policies = {
  grace: { access: 'grace', graceDays: 7 },
  keep: { access: 'keep', graceDays: 7 },
  deny: { access: 'deny', graceDays: 7 },
} as const;
type PolicyName = keyof typeof policies;

const STATUSES = ['incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused', 'weird', null] as const;

function state(status: string | null, patch: Partial<BillingState>): BillingState {
  return {
    stripeCustomerId: 'cus_1', stripeSubscriptionId: 'sub_1', plan: 'pro', subscriptionStatus: status,
    currentPeriodStart: at(-10 * DAY), currentPeriodEnd: at(20 * DAY), cancelAtPeriodEnd: false, cancelAt: null,
    trialStart: null, trialEnd: null, trialUsed: false, pastDueSince: null, billingVersion: 1, billingSyncedAt: null,
    ...patch,
  };
}

/** Scenario -> the statuses that get access under each policy; every other status is denied. */
const TABLE: { name: string; patch: Partial<BillingState>; allowed: Record<PolicyName, string[]> }[] = [
  { name: 'no flags (past_due grace counts from the period start, 10 days ago)', patch: {},
    allowed: { grace: ['trialing', 'active'], keep: ['trialing', 'active', 'past_due'], deny: ['trialing', 'active'] } },
  { name: 'cancel at period end, period ends in 1 s', patch: { cancelAtPeriodEnd: true, currentPeriodEnd: at(S) },
    allowed: { grace: ['trialing', 'active'], keep: ['trialing', 'active', 'past_due'], deny: ['trialing', 'active'] } },
  { name: 'cancel at period end, period ended 1 s ago', patch: { cancelAtPeriodEnd: true, currentPeriodEnd: at(-S) },
    allowed: { grace: [], keep: [], deny: [] } },
  { name: 'cancel at period end, period ends this instant', patch: { cancelAtPeriodEnd: true, currentPeriodEnd: at(0) },
    allowed: { grace: [], keep: [], deny: [] } },
  { name: 'cancel_at in 1 s (portal cancel)', patch: { cancelAt: at(S) },
    allowed: { grace: ['trialing', 'active'], keep: ['trialing', 'active', 'past_due'], deny: ['trialing', 'active'] } },
  { name: 'cancel_at 1 s ago', patch: { cancelAt: at(-S) },
    allowed: { grace: [], keep: [], deny: [] } },
  { name: 'cancel_at wins over a later period end', patch: { cancelAt: at(-S), cancelAtPeriodEnd: true, currentPeriodEnd: at(DAY) },
    allowed: { grace: [], keep: [], deny: [] } },
  { name: 'period ended 1 s ago without a cancel (renewal not synced yet)', patch: { currentPeriodEnd: at(-S) },
    allowed: { grace: ['trialing', 'active'], keep: ['trialing', 'active', 'past_due'], deny: ['trialing', 'active'] } },
  { name: 'trial ends in 1 s', patch: { trialEnd: at(S) },
    allowed: { grace: ['trialing', 'active'], keep: ['trialing', 'active', 'past_due'], deny: ['trialing', 'active'] } },
  { name: 'trial ended 1 s ago', patch: { trialEnd: at(-S) },
    allowed: { grace: ['active'], keep: ['active', 'past_due'], deny: ['active'] } },
  { name: 'trial ends this instant', patch: { trialEnd: at(0) },
    allowed: { grace: ['active'], keep: ['active', 'past_due'], deny: ['active'] } },
  { name: 'trial ends in 1 s but cancelled 1 s ago', patch: { trialEnd: at(S), cancelAt: at(-S) },
    allowed: { grace: [], keep: [], deny: [] } },
  { name: 'past due since 7 days minus 1 s', patch: { pastDueSince: at(-7 * DAY + S) },
    allowed: { grace: ['trialing', 'active', 'past_due'], keep: ['trialing', 'active', 'past_due'], deny: ['trialing', 'active'] } },
  { name: 'past due since 7 days plus 1 s', patch: { pastDueSince: at(-7 * DAY - S) },
    allowed: { grace: ['trialing', 'active'], keep: ['trialing', 'active', 'past_due'], deny: ['trialing', 'active'] } },
  { name: 'past due since exactly 7 days', patch: { pastDueSince: at(-7 * DAY) },
    allowed: { grace: ['trialing', 'active'], keep: ['trialing', 'active', 'past_due'], deny: ['trialing', 'active'] } },
  { name: 'past due, no since, period started 7 days minus 1 s ago', patch: { currentPeriodStart: at(-7 * DAY + S) },
    allowed: { grace: ['trialing', 'active', 'past_due'], keep: ['trialing', 'active', 'past_due'], deny: ['trialing', 'active'] } },
  { name: 'past due, no since, no period start', patch: { currentPeriodStart: null },
    allowed: { grace: ['trialing', 'active'], keep: ['trialing', 'active', 'past_due'], deny: ['trialing', 'active'] } },
  { name: 'past due within grace but cancelled 1 s ago', patch: { pastDueSince: at(-DAY), cancelAt: at(-S) },
    allowed: { grace: [], keep: [], deny: [] } },
  { name: 'past due within grace, cancel at period end in 1 s', patch: { pastDueSince: at(-DAY), cancelAtPeriodEnd: true, currentPeriodEnd: at(S) },
    allowed: { grace: ['trialing', 'active', 'past_due'], keep: ['trialing', 'active', 'past_due'], deny: ['trialing', 'active'] } },
];

const rows = TABLE.flatMap((scenario) =>
  (Object.keys(policies) as PolicyName[]).flatMap((policy) =>
    STATUSES.map((status) => ({ scenario: scenario.name, patch: scenario.patch, policy, status, expected: scenario.allowed[policy].includes(String(status)) })),
  ),
);

describe('decideAccess table (R12)', () => {
  it('covers every status under every scenario and policy', () => {
    expect(rows).toHaveLength(TABLE.length * 3 * STATUSES.length);
  });

  it.each(rows)('$status | $scenario | $policy -> subscribed $expected', ({ status, patch, policy, expected }) => {
    const s = state(status, patch);
    const p = policies[policy];
    const active = decideAccess(s, catalog, p, NOW, { active: true });
    const pro = decideAccess(s, catalog, p, NOW, { plans: ['pro'] });
    const free = decideAccess(s, catalog, p, NOW, { plans: ['free'] });
    const exports = decideAccess(s, catalog, p, NOW, { features: ['advanced_exports'] });
    const basic = decideAccess(s, catalog, p, NOW, { features: ['basic'] });
    expect(active.allowed).toBe(expected);
    expect(pro.allowed).toBe(expected);
    expect(free.allowed).toBe(!expected);
    expect(exports.allowed).toBe(expected);
    expect(basic).toEqual({ allowed: true, plan: expected ? 'pro' : 'free', subscribed: expected });
    if (!expected) {
      expect(active).toMatchObject({ status: 403, code: 'subscription_required', details: { currentPlan: 'free', subscriptionStatus: status } });
      expect(pro).toMatchObject({ status: 403, code: 'plan_required', details: { currentPlan: 'free', requiredPlans: ['pro'] } });
      expect(exports).toMatchObject({ status: 403, code: 'feature_required', details: { currentPlan: 'free', requiredFeatures: ['advanced_exports'], plans: ['pro', 'enterprise'] } });
    }
  });
});

describe('decideAccess refusals and fallbacks', () => {
  const grace = policies.grace;
  const active = state('active', {});

  it('answers 401 without an authenticated billable, whatever the requirement', () => {
    expect(decideAccess(null, catalog, grace, NOW, { features: ['basic'] }, false)).toMatchObject({ allowed: false, status: 401, code: 'unauthenticated' });
  });

  it('treats a billable with no billing row as the free plan', () => {
    expect(decideAccess(null, catalog, grace, NOW, { features: ['basic'] })).toEqual({ allowed: true, plan: 'free', subscribed: false });
    expect(decideAccess(null, catalog, grace, NOW, { active: true })).toMatchObject({ code: 'subscription_required', details: { currentPlan: 'free', subscriptionStatus: null } });
  });

  it('lets in any of several plans and names them all when refusing', () => {
    expect(decideAccess(active, catalog, grace, NOW, { plans: ['pro', 'enterprise'] })).toMatchObject({ allowed: true, plan: 'pro' });
    expect(decideAccess(state('active', { plan: 'enterprise' }), catalog, grace, NOW, { plans: ['pro', 'enterprise'] })).toMatchObject({ allowed: true, plan: 'enterprise' });
    expect(decideAccess(active, catalog, grace, NOW, { plans: ['enterprise'] })).toMatchObject({
      status: 403, code: 'plan_required', details: { currentPlan: 'pro', requiredPlans: ['enterprise'] },
    });
  });

  it('needs every feature named and lists the plans granting the missing ones', () => {
    const refused = decideAccess(active, catalog, grace, NOW, { features: ['advanced_exports', 'sso'] });
    expect(refused).toMatchObject({ status: 403, code: 'feature_required', details: { currentPlan: 'pro', requiredFeatures: ['sso'], plans: ['enterprise'] } });
  });

  it('checks every part of a combined requirement', () => {
    expect(decideAccess(active, catalog, grace, NOW, { active: true, plans: ['pro'], features: ['advanced_exports'] }).allowed).toBe(true);
    expect(decideAccess(active, catalog, grace, NOW, { active: true, plans: ['pro'], features: ['sso'] })).toMatchObject({ code: 'feature_required' });
  });

  it('falls back to the free plan for a live subscription on a plan the catalogue no longer has', () => {
    const retired = state('active', { plan: 'legacy_gold' });
    expect(decideAccess(retired, catalog, grace, NOW, { active: true })).toMatchObject({ allowed: true, plan: 'free', subscribed: true });
    expect(decideAccess(retired, catalog, grace, NOW, { features: ['advanced_exports'] })).toMatchObject({ code: 'feature_required', details: { currentPlan: 'free' } });
  });

  it('has no plan at all without a free plan in the catalogue', () => {
    const paidOnly = new PlanCatalog({ pro: testPlans.pro });
    expect(decideAccess(state('canceled', {}), paidOnly, grace, NOW, { features: ['basic'] })).toMatchObject({
      code: 'feature_required', details: { currentPlan: null, plans: ['pro'] },
    });
    expect(decideAccess(state('canceled', {}), paidOnly, grace, NOW, { plans: ['pro'] })).toMatchObject({ code: 'plan_required', details: { currentPlan: null } });
  });

  it('grants no grace at all with graceDays 0', () => {
    const zero = { access: 'grace', graceDays: 0 } as const;
    expect(decideAccess(state('past_due', { pastDueSince: at(-S) }), catalog, zero, NOW, { active: true }).allowed).toBe(false);
    expect(decideAccess(state('past_due', { pastDueSince: at(S) }), catalog, zero, NOW, { active: true }).allowed).toBe(true);
  });
});
