/** One thing sold once (Checkout in payment mode): a pack of units of a metric, or a plan for life. */
export interface ProductDefinition {
  /** Human name shown to customers. Required. */
  name: string;
  /** Optional one-line description for the products endpoint. */
  description?: string;
  /** The Stripe one-time price it is sold at. Required. */
  priceId: string;
  /** Units of usage metrics granted per unit bought, e.g. `{ api_calls: 1000 }`; each metric must be in some plan's limits. */
  grants?: Readonly<Record<string, number>>;
  /** Days the granted units stay spendable after the purchase. Default: they never expire. */
  expiresInDays?: number;
  /** A plan key held for life once bought (refunded in full: taken back). */
  grantsPlan?: string;
  /** Most units of this product one checkout may buy. Default 1 for `grantsPlan`, 100 otherwise. */
  maxQuantity?: number;
}

/** Buys a product off-session, with the card saved at the customer's last checkout, when a metric's purchased credits fall below a threshold. */
export interface AutoTopUpRule {
  /** Buy when the purchased units left of the metric fall below this. Required. */
  below: number;
  /** The product key to buy (one unit); it must grant the metric. Required. */
  product: string;
}

/** The products object: product key -> definition. */
export type ProductsDefinition = Readonly<Record<string, ProductDefinition>>;

/** A product as the catalogue serves it, with its key. */
export interface CatalogProduct {
  key: string;
  name: string;
  description?: string;
  priceId: string;
  grants: Readonly<Record<string, number>>;
  expiresInDays: number | null;
  grantsPlan: string | null;
  maxQuantity: number;
}

/**
 * Declares the one-time products with their literal keys kept (`PaymentsRegister.products`), beside
 * `definePlans`: `products: defineProducts({ credits_1000: { name, priceId, grants: { api_calls: 1000 } } })`.
 */
export function defineProducts<const T extends Record<string, ProductDefinition>>(products: T): T {
  return products;
}
