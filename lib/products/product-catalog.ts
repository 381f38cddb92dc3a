import { PlansDefinition } from '../plans/plan.types';
import { AutoTopUpRule, CatalogProduct, ProductsDefinition } from './product.types';

/** Read-only view of the products object: by key, by Stripe price, and the metrics they grant. */
export class ProductCatalog {
  private readonly byKey = new Map<string, CatalogProduct>();
  private readonly byPrice = new Map<string, CatalogProduct>();

  constructor(products: ProductsDefinition | undefined) {
    for (const [key, def] of Object.entries(products ?? {})) {
      const product: CatalogProduct = {
        key,
        name: def.name,
        description: def.description,
        priceId: def.priceId,
        grants: { ...(def.grants ?? {}) },
        expiresInDays: def.expiresInDays ?? null,
        grantsPlan: def.grantsPlan ?? null,
        maxQuantity: def.maxQuantity ?? (def.grantsPlan ? 1 : 100),
      };
      this.byKey.set(key, product);
      this.byPrice.set(def.priceId, product);
    }
  }

  /** Every product, in the order of the products object. */
  list(): readonly CatalogProduct[] {
    return [...this.byKey.values()];
  }

  /** The product with this key, or undefined. */
  get(key: string | null | undefined): CatalogProduct | undefined {
    return key == null ? undefined : this.byKey.get(key);
  }

  /** The product sold at this Stripe price, or undefined. */
  byPriceId(priceId: string | null | undefined): CatalogProduct | undefined {
    return priceId == null ? undefined : this.byPrice.get(priceId);
  }

  /** True when some product grants units of this metric (so spending may reach purchased credits). */
  grantsMetric(metric: string): boolean {
    return this.list().some((product) => (product.grants[metric] ?? 0) > 0);
  }

  /** True when some product gives a plan for life. */
  grantsPlans(): boolean {
    return this.list().some((product) => product.grantsPlan !== null);
  }
}

/** The first mistake in a products object as one sentence, or null when it can work with these plans. */
export function productsProblem(products: unknown, plans: PlansDefinition): string | null {
  if (products === undefined) return null;
  if (!products || typeof products !== 'object' || Array.isArray(products)) return 'products must be an object of product key -> { name, priceId, grants | grantsPlan }.';
  const metrics = new Set(Object.values(plans).flatMap((plan) => Object.keys(plan.limits ?? {})));
  const prices = new Set(Object.values(plans).flatMap((plan) => [plan.priceId, ...Object.values(plan.prices ?? {})]).filter(Boolean));
  const seen = new Set<string>();
  for (const [key, def] of Object.entries(products as ProductsDefinition)) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(key)) return `product key '${key}' must be 1 to 64 letters, digits, - or _.`;
    if (!def || typeof def.name !== 'string' || def.name === '') return `product '${key}' needs a name.`;
    if (typeof def.priceId !== 'string' || !def.priceId.startsWith('price_')) return `product '${key}' needs the priceId of a one-time Stripe price (price_...).`;
    if (prices.has(def.priceId) || seen.has(def.priceId)) return `product '${key}' uses price ${def.priceId}, which another plan or product sells; give each product its own one-time price.`;
    seen.add(def.priceId);
    const grants = Object.entries(def.grants ?? {});
    if (grants.length === 0 && !def.grantsPlan) return `product '${key}' grants nothing; give it grants: { <metric>: <units> } or grantsPlan: '<plan key>'.`;
    for (const [metric, units] of grants) {
      if (!metrics.has(metric)) return `product '${key}' grants '${metric}', a metric no plan has; add '${metric}' to the limits of your plans (known: ${[...metrics].join(', ') || 'none'}).`;
      if (!Number.isSafeInteger(units) || units < 1) return `product '${key}' must grant a whole number of ${metric} units from 1, not ${String(units)}.`;
    }
    if (def.grantsPlan !== undefined) {
      const plan = plans[def.grantsPlan];
      if (!plan) return `product '${key}' grants plan '${def.grantsPlan}', which is not in the plans (known: ${Object.keys(plans).join(', ')}).`;
    }
    if (def.expiresInDays !== undefined && (!Number.isSafeInteger(def.expiresInDays) || def.expiresInDays < 1)) return `product '${key}' expiresInDays must be a whole number of days from 1.`;
    if (def.maxQuantity !== undefined && (!Number.isSafeInteger(def.maxQuantity) || def.maxQuantity < 1 || def.maxQuantity > 1000)) return `product '${key}' maxQuantity must be a whole number from 1 to 1000.`;
  }
  return null;
}

/** The first mistake in the autoTopUp option as one sentence, or null. */
export function autoTopUpProblem(rules: Readonly<Record<string, AutoTopUpRule>> | undefined, products: ProductsDefinition | undefined): string | null {
  if (rules === undefined) return null;
  for (const [metric, rule] of Object.entries(rules)) {
    const product = rule && products?.[rule.product];
    if (!product) return `autoTopUp.${metric}.product '${String(rule?.product)}' is not in the products (known: ${Object.keys(products ?? {}).join(', ') || 'none'}).`;
    if (!((product.grants ?? {})[metric] > 0)) return `autoTopUp.${metric} buys '${rule.product}', which grants no ${metric}; pick a product that grants it.`;
    if (!Number.isSafeInteger(rule.below) || rule.below < 1) return `autoTopUp.${metric}.below must be a whole number of units from 1, not ${String(rule.below)}.`;
  }
  return null;
}
