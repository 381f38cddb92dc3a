import { decideAccess, PlanCatalog } from '../../../lib';
import { BillingState } from '../../../lib/persistence/billing-state';
import { testPlans } from '../../support/test-plans';
import { report } from '../support/reliability-env';

const S = 1000;
const DAY = 86_400_000;
const NOW = new Date('2026-03-01T00:00:00.000Z').getTime();
const STATUSES = ['incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused', 'unknown_future_status', null];
const POLICIES = ['grace', 'keep', 'deny'] as const;
const GRACE_DAYS = [0, 3, 7];

/**
 * The rule as RELIABILITY.md and the README state it, written independently of lib/access: a
 * cancellation that took effect (cancel_at, else the period end) ends access; a trial ends at trial_end; active counts; past_due
 * follows the policy (grace: strictly before since + graceDays, since = pastDueSince or the
 * period start); every other or unknown status denies.
 */
function expected(s: BillingState, policy: (typeof POLICIES)[number], graceDays: number): boolean {
  const t = (d: Date | null) => (d ? d.getTime() : null);
  // A cancellation ends at cancel_at when Stripe set one (the portal's way, and what basil sets
  // alongside cancel_at_period_end), else at the period end when cancelling at period end.
  const endsAt = t(s.cancelAt) ?? (s.cancelAtPeriodEnd ? t(s.currentPeriodEnd) : null);
  if (endsAt !== null && endsAt <= NOW) return false;
  switch (s.subscriptionStatus) {
    case 'active':
      return true;
    case 'trialing':
      return t(s.trialEnd) === null || t(s.trialEnd)! > NOW;
    case 'past_due': {
      if (policy === 'keep') return true;
      if (policy === 'deny') return false;
      const since = t(s.pastDueSince) ?? t(s.currentPeriodStart);
      return since !== null && NOW < since + graceDays * DAY;
    }
    default:
      return false;
  }
}

/** R12: statuses x cancel/period/trial/grace boundaries (each at -1 s, 0, +1 s) x policy x grace days. */
export async function r12AccessTable(): Promise<void> {
  const started = Date.now();
  const catalog = new PlanCatalog(testPlans);
  const at = (offset: number | null) => (offset === null ? null : new Date(NOW + offset));
  const around = (anchor: number) => [anchor - S, anchor, anchor + S];
  let rows = 0;
  const mismatches: string[] = [];
  for (const graceDays of GRACE_DAYS) {
    const graceEdges = around(-graceDays * DAY);
    for (const status of STATUSES)
      for (const policy of POLICIES)
        for (const cancelAtPeriodEnd of [false, true])
          for (const periodEnd of [...around(0), 20 * DAY, null])
            for (const cancelAt of [null, ...around(0)])
              for (const trialEnd of [null, ...around(0)])
                for (const pastDueSince of [null, ...graceEdges])
                  for (const periodStart of [null, ...graceEdges]) {
                    const state: BillingState = {
                      stripeCustomerId: 'cus_1', stripeSubscriptionId: 'sub_1', plan: 'pro', subscriptionStatus: status,
                      currentPeriodStart: at(periodStart), currentPeriodEnd: at(periodEnd), cancelAtPeriodEnd, cancelAt: at(cancelAt),
                      trialStart: null, trialEnd: at(trialEnd), trialUsed: trialEnd !== null, pastDueSince: at(pastDueSince), billingVersion: 1, billingSyncedAt: null,
                    };
                    const want = expected(state, policy, graceDays);
                    const p = { access: policy, graceDays };
                    const now = new Date(NOW);
                    const active = decideAccess(state, catalog, p, now, { active: true }).allowed;
                    const pro = decideAccess(state, catalog, p, now, { plans: ['pro'] }).allowed;
                    const feature = decideAccess(state, catalog, p, now, { features: ['advanced_exports'] }).allowed;
                    rows++;
                    if (active !== want || pro !== want || feature !== want) {
                      mismatches.push(JSON.stringify({ status, policy, graceDays, cancelAtPeriodEnd, periodEnd, cancelAt, trialEnd, pastDueSince, periodStart, want, active, pro, feature }));
                    }
                  }
  }
  report('R12', 'access decision table', { rows, decisionsChecked: rows * 3, mismatches: mismatches.length, matchPercent: Math.round(((rows - mismatches.length) / rows) * 10000) / 100 }, started);
  expect(mismatches.slice(0, 20)).toEqual([]);
}
