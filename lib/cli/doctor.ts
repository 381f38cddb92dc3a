import type Stripe from 'stripe';
import { ResolvedPaymentsOptions } from '../payments.options';
import { PlanCatalog } from '../plans/plan-catalog';
import { PRODUCT_EVENT_TYPES } from '../products/product-events.service';
import { BUILT_IN_EVENT_TYPES } from '../webhooks/sync/built-in-events.service';
import { checkMeteredMetrics } from '../metering/metering-doctor';

/** One line of the doctor's report. */
export interface DoctorCheck {
  ok: boolean;
  /** A warning does not fail the run (e.g. an endpoint on the account's default API version). */
  warning?: boolean;
  message: string;
}

/** What `doctor` found; `ok` is false when any check failed. */
export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

/** The API version a Stripe client sends (the SDK's pinned one unless the app chose another). */
export function clientApiVersion(stripe: Stripe): string {
  const fromClient = (stripe as unknown as { getApiField?: (name: string) => unknown }).getApiField?.('version');
  return typeof fromClient === 'string' && fromClient ? fromClient : (stripe.constructor as unknown as { API_VERSION: string }).API_VERSION;
}

/**
 * Checks the configuration against the Stripe account: every configured price exists, is active,
 * recurring with the plan's interval and in the configured currency; a webhook endpoint is enabled
 * for every event the module needs; its API version is the client's. Reads only (list/retrieve calls).
 */
export async function runDoctor(stripe: Stripe, catalog: PlanCatalog, options: ResolvedPaymentsOptions, apiVersion: string): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  for (const plan of catalog.list()) {
    for (const [interval, priceId] of Object.entries(plan.prices)) {
      if (priceId) checks.push(await checkPrice(stripe, plan.key, interval, priceId, options.currency));
    }
  }
  checks.push(...(await checkMeteredMetrics(stripe, catalog)));
  // Refunds and delayed payments matter only to an app that sells one-time products.
  const sellsProducts = Object.keys(options.products ?? {}).length > 0;
  const needed = BUILT_IN_EVENT_TYPES.filter((type) => sellsProducts || !PRODUCT_EVENT_TYPES.includes(type));
  checks.push(...(await checkWebhookEndpoints(stripe, apiVersion, needed)));
  return { ok: checks.every((c) => c.ok), checks };
}

async function checkPrice(stripe: Stripe, plan: string, interval: string, priceId: string, currency: string): Promise<DoctorCheck> {
  const where = `plan '${plan}' (${interval}): price ${priceId}`;
  let price: Stripe.Price;
  try {
    price = await stripe.prices.retrieve(priceId);
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 404) return { ok: false, message: `${where} does not exist at Stripe (wrong id, or a live id with a test key?).` };
    return { ok: false, message: `${where} could not be read: ${stripeFailure(error)}.` };
  }
  const problems: string[] = [];
  if (!price.active) problems.push('is archived (inactive)');
  if (price.type !== 'recurring' || !price.recurring) problems.push('is not recurring');
  else if (price.recurring.interval !== interval || price.recurring.interval_count !== 1) {
    const every = price.recurring.interval_count === 1 ? price.recurring.interval : `${price.recurring.interval_count} ${price.recurring.interval}s`;
    problems.push(`bills every ${every}, not every ${interval}`);
  }
  if (price.currency !== currency.toLowerCase()) problems.push(`is in ${price.currency}, not the configured currency ${currency.toLowerCase()} (set the currency option or fix the price)`);
  return problems.length ? { ok: false, message: `${where} ${problems.join('; ')}.` } : { ok: true, message: `${where}: ${price.currency}, every ${interval}.` };
}

async function checkWebhookEndpoints(stripe: Stripe, apiVersion: string, needed: readonly string[]): Promise<DoctorCheck[]> {
  const endpoints: Stripe.WebhookEndpoint[] = [];
  try {
    for await (const endpoint of stripe.webhookEndpoints.list({ limit: 100 })) endpoints.push(endpoint);
  } catch (error) {
    // A restricted key needs read access to webhook endpoints for this check.
    return [{ ok: false, message: `Webhook endpoints could not be listed: ${stripeFailure(error)}.` }];
  }
  const enabled = endpoints.filter((e) => e.status === 'enabled');
  if (enabled.length === 0) {
    return [{ ok: false, message: 'No enabled webhook endpoint: add one pointing at <your app>/<prefix>/payments/webhook in the Stripe Dashboard (Developers → Webhooks).' }];
  }
  const missingOf = (e: Stripe.WebhookEndpoint) => (e.enabled_events.includes('*') ? [] : needed.filter((t) => !e.enabled_events.includes(t)));
  const complete = enabled.filter((e) => missingOf(e).length === 0);
  if (complete.length === 0) {
    return enabled.map((e) => ({ ok: false, message: `Webhook endpoint ${e.url} is not enabled for: ${missingOf(e).join(', ')}.` }));
  }
  return complete.map((e) => {
    if (e.api_version === apiVersion) return { ok: true, message: `Webhook endpoint ${e.url}: the module's events, API version ${apiVersion}.` };
    if (!e.api_version) {
      return { ok: true, warning: true, message: `Webhook endpoint ${e.url} uses the account's default API version; create it with API version ${apiVersion} (the SDK's).` };
    }
    return { ok: false, message: `Webhook endpoint ${e.url} sends events in API version ${e.api_version}, but the SDK uses ${apiVersion}: recreate the endpoint with ${apiVersion}.` };
  });
}

/** A log-safe description of a failed Stripe call: its type and status, never Stripe's text. */
function stripeFailure(error: unknown): string {
  const e = error as { type?: string; statusCode?: number };
  return `Stripe answered ${e?.type ?? 'an error'}${e?.statusCode ? ` (${e.statusCode})` : ''}`;
}

/** The report as a user reads it in a terminal: one line a check, then the verdict. */
export function formatDoctorReport(report: DoctorReport): string {
  const lines = report.checks.map((c) => `${c.ok ? (c.warning ? '!' : '✓') : '✗'} ${c.message}`);
  const failed = report.checks.filter((c) => !c.ok).length;
  const warnings = report.checks.filter((c) => c.ok && c.warning).length;
  const note = warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : '';
  lines.push(report.ok ? `doctor: everything checked is in order${note}.` : `doctor: ${failed} problem${failed === 1 ? '' : 's'} found${note}.`);
  return `${lines.join('\n')}\n`;
}
