import { StripeApiError } from './stripe-api.error';

/** The version the fake's objects are built in: the installed `stripe` SDK's. */
export const CURRENT_API_VERSION = '2026-10-28.endive';

/**
 * The API versions the fake answers, oldest first. Kept small on purpose: each one differs from the
 * next in a field the package (or a typical app) reads.
 * - 2024-09-30.acacia: billing period on the subscription, `invoice.subscription` top-level, no `billing_mode`,
 *   taxes as `invoice.tax`/`total_tax_amounts` and `line.tax_amounts`.
 * - 2025-03-31.basil: billing period on the items, `invoice.parent.subscription_details` (still no `billing_mode`).
 * - 2025-09-30.clover: `billing_mode`, and new subscriptions default to `flexible`.
 * - 2026-10-28.endive: the current shapes.
 */
export const MODELLED_API_VERSIONS = ['2024-09-30.acacia', '2025-03-31.basil', '2025-09-30.clover', CURRENT_API_VERSION] as const;

/** One of the versions the fake models. */
export type FakeApiVersion = (typeof MODELLED_API_VERSIONS)[number];

const PERIODS_ON_ITEMS = '2025-03-31';
const BILLING_MODE_FIELD = '2025-06-30';
const FLEXIBLE_BY_DEFAULT = '2025-09-30';

/** The date part compares in order (`2025-03-31.basil` < `2025-09-30.clover`). */
function atLeast(version: string, date: string): boolean {
  return version.slice(0, 10) >= date;
}

/** Throws Stripe's 400 for a version the fake does not model (Stripe's own words, plus the list). */
export function assertModelledVersion(version: string): FakeApiVersion {
  if ((MODELLED_API_VERSIONS as readonly string[]).includes(version)) return version as FakeApiVersion;
  throw new StripeApiError(400, 'invalid_request_error', `Invalid Stripe API version: ${version}. FakeStripe models: ${MODELLED_API_VERSIONS.join(', ')}.`);
}

/** The billing mode a subscription gets when the request names none. */
export function defaultBillingMode(version: string): 'classic' | 'flexible' {
  return atLeast(version, FLEXIBLE_BY_DEFAULT) ? 'flexible' : 'classic';
}

/**
 * A copy of an API answer (or an event's object) in an older version's shapes. Walks the whole tree
 * so lists, expanded fields and event payloads are rendered too.
 */
export function renderForVersion<T>(value: T, version: string): T {
  if (version === CURRENT_API_VERSION) return value;
  return transform(structuredClone(value), version) as T;
}

function transform(value: unknown, version: string): unknown {
  if (Array.isArray(value)) return value.map((v) => transform(v, version));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) obj[key] = transform(obj[key], version);
  if (obj.object === 'subscription') toSubscriptionShape(obj, version);
  if (obj.object === 'subscription_schedule' && !atLeast(version, BILLING_MODE_FIELD)) delete obj.billing_mode;
  if (obj.object === 'invoice' && !atLeast(version, PERIODS_ON_ITEMS)) toLegacyInvoice(obj);
  if (obj.object === 'line_item' && !atLeast(version, PERIODS_ON_ITEMS) && 'taxes' in obj) {
    obj.tax_amounts = legacyTaxAmounts(obj.taxes);
    delete obj.taxes;
  }
  return obj;
}

function toSubscriptionShape(sub: Record<string, unknown>, version: string): void {
  if (!atLeast(version, BILLING_MODE_FIELD)) delete sub.billing_mode;
  if (atLeast(version, PERIODS_ON_ITEMS)) return;
  const items = (sub.items as { data?: Record<string, unknown>[] } | undefined)?.data ?? [];
  sub.current_period_start = items[0]?.current_period_start ?? null;
  sub.current_period_end = items[0]?.current_period_end ?? null;
  for (const item of items) {
    delete item.current_period_start;
    delete item.current_period_end;
  }
}

function toLegacyInvoice(invoice: Record<string, unknown>): void {
  const parent = invoice.parent as { subscription_details?: { subscription?: unknown } } | null | undefined;
  invoice.subscription = parent?.subscription_details?.subscription ?? null;
  delete invoice.parent;
  // Basil (2025-03-31) replaced these with `total_taxes`.
  const taxes = legacyTaxAmounts(invoice.total_taxes);
  invoice.tax = taxes.length > 0 ? taxes.reduce((sum, t) => sum + t.amount, 0) : null;
  invoice.total_tax_amounts = taxes;
  delete invoice.total_taxes;
}

interface TaxEntry {
  amount: number;
  tax_behavior?: string;
  tax_rate_details?: { tax_rate?: string } | null;
  taxability_reason?: string | null;
  taxable_amount?: number | null;
}

/** `taxes`/`total_taxes` entries in the pre-basil `tax_amounts` shape. */
function legacyTaxAmounts(value: unknown) {
  const entries = Array.isArray(value) ? (value as TaxEntry[]) : [];
  return entries.map((t) => ({
    amount: t.amount, inclusive: t.tax_behavior === 'inclusive', tax_rate: t.tax_rate_details?.tax_rate ?? null,
    taxability_reason: t.taxability_reason ?? null, taxable_amount: t.taxable_amount ?? null,
  }));
}
