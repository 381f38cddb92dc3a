// Public names of the products room, re-exported by lib/index.ts.
export { defineProducts } from './product.types';
export type { CatalogProduct, ProductDefinition, ProductsDefinition } from './product.types';
export { ProductCatalog } from './product-catalog';
export { ProductCheckoutService } from './product-checkout.service';
export type { ProductCheckoutInput } from './product-checkout.service';
export { ProductGrants } from './product-grants.service';
export { AutoTopUp } from './auto-top-up.service';
export type { AutoTopUpRule } from './product.types';
export type { PurchaseView } from './purchase.view';
