import { Provider, Type } from '@nestjs/common';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { AutoTopUp } from './auto-top-up.service';
import { ProductCatalog } from './product-catalog';
import { ProductCheckoutService } from './product-checkout.service';
import { ProductEvents } from './product-events.service';
import { ProductGrants } from './product-grants.service';
import { BalanceController, ProductsController } from './products.controller';

/** Providers of the products room, registered (and exported) by PaymentsModule. */
export const PRODUCTS_PROVIDERS: Provider[] = [
  { provide: ProductCatalog, inject: [PAYMENTS_OPTIONS], useFactory: (options: ResolvedPaymentsOptions) => new ProductCatalog(options.products) },
  ProductCheckoutService,
  ProductGrants,
  ProductEvents,
  AutoTopUp,
];

/** Controllers of the products room, served under the module's route path. */
export const PRODUCTS_CONTROLLERS: Type<unknown>[] = [ProductsController, BalanceController];
