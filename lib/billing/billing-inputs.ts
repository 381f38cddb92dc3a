import { PaymentsException } from '../common/payments.exception';
import { ResolvedPaymentsOptions } from '../payments.options';
import { PlanCatalog } from '../plans/plan-catalog';
import { BillingInterval, CatalogPlan } from '../plans/plan.types';
import { allowedRedirectOrigins, resolveRedirect } from './redirect-policy';

/** A plan key and interval resolved to the Stripe price the catalogue sells them at. */
export interface ResolvedPrice {
  plan: CatalogPlan;
  interval: BillingInterval;
  priceId: string;
}

/** The paid price for a plan key, or 400 `invalid_plan` (unknown key, free plan, interval not sold). */
export function resolvePaidPrice(catalog: PlanCatalog, planKey: string, interval?: BillingInterval): ResolvedPrice {
  const plan = catalog.get(planKey);
  if (!plan) throw new PaymentsException(400, 'invalid_plan', 'There is no plan with this key.', { plan: planKey.slice(0, 64) });
  if (plan.free) throw new PaymentsException(400, 'free_plan_checkout', 'The free plan needs no checkout.', { plan: plan.key });
  const priceId = catalog.priceFor(plan.key, interval);
  if (!priceId) {
    throw new PaymentsException(400, 'invalid_plan', 'This plan is not sold with this billing interval.', {
      plan: plan.key,
      intervals: Object.keys(plan.prices),
    });
  }
  return { plan, interval: catalog.byPriceId(priceId)!.interval, priceId };
}

type RedirectKind = 'success' | 'cancel' | 'portalReturn';

/** A client redirect checked against the configured URLs and allow-list, or 400 `invalid_redirect`. */
export function resolveRedirectOrThrow(options: ResolvedPaymentsOptions, kind: RedirectKind, field: string, clientValue?: string): string {
  const urls = options.urls;
  if (!urls?.[kind]) {
    // A configuration gap, not the client's fault: say what to set, without exposing other config.
    throw new PaymentsException(503, 'billing_not_configured', `Billing is not configured: set urls.${kind} in the PaymentsModule options.`);
  }
  const origins = allowedRedirectOrigins([urls.success, urls.cancel, urls.portalReturn], urls.allowedOrigins ?? []);
  const resolved = resolveRedirect(clientValue, urls[kind], origins);
  if (resolved === null) {
    throw new PaymentsException(400, 'invalid_redirect', `${field} must be a path or a URL on an allowed origin.`, { field });
  }
  return resolved;
}
