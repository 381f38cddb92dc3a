import { BillingState } from '../../persistence/billing-state';

/** One column where the stored billing state and Stripe disagree. */
export interface BillingDifference {
  billableId: string;
  field: keyof BillingState;
  stored: unknown;
  stripe: unknown;
}

/** Result of `WebhookOperations.checkDrift` (`sync --check`): nothing is written. */
export interface DriftReport {
  /** Billables with a Stripe customer that were compared. */
  checked: number;
  /** Billables whose stored state differs from Stripe's. */
  drifted: number;
  differences: BillingDifference[];
  /** Billables that could not be compared (Stripe refused or failed). */
  failed: { billableId: string; error: string }[];
}

/** The columns compared: the sync's own bookkeeping (version, sync time) is not billing state. */
const COMPARED: (keyof BillingState)[] = [
  'stripeSubscriptionId', 'plan', 'subscriptionStatus', 'currentPeriodStart', 'currentPeriodEnd',
  'cancelAtPeriodEnd', 'cancelAt', 'trialStart', 'trialEnd',
];

/** The columns of `expected` that `stored` does not match (dates by instant, flags by truth). */
export function diffBillingState(billableId: string, stored: BillingState, expected: Partial<BillingState>): BillingDifference[] {
  const out: BillingDifference[] = [];
  for (const field of COMPARED) {
    if (!(field in expected)) continue;
    const a = normalise(stored[field]);
    const b = normalise(expected[field]);
    if (a !== b) out.push({ billableId, field, stored: stored[field] ?? null, stripe: expected[field] ?? null });
  }
  // Past due: only whether a run is recorded; its start is the sync's own bookkeeping.
  if ('pastDueSince' in expected && (stored.pastDueSince == null) !== (expected.pastDueSince == null)) {
    out.push({ billableId, field: 'pastDueSince', stored: stored.pastDueSince ?? null, stripe: expected.pastDueSince ?? null });
  }
  return out;
}

function normalise(value: unknown): string {
  if (value instanceof Date) return String(value.getTime());
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value)) return String(new Date(value).getTime());
  if (value === undefined || value === null || value === false || value === 0) return value === false || value === 0 ? String(value) : 'null';
  return String(value);
}
