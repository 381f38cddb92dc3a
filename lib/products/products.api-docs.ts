import { applyDecorators } from '@nestjs/common';
import { DocErrors, DocOperation, DocProperty, DocResponse } from '../common/api-docs';

// The OpenAPI description of `GET /products` and `GET /balance` (no-ops without @nestjs/swagger).

/** One product of `GET /products`. */
export class ProductModel {
  @DocProperty({ example: 'credits_1000' })
  key!: string;
  @DocProperty({ example: '1,000 API calls' })
  name!: string;
  @DocProperty({ type: String, nullable: true })
  description!: string | null;
  @DocProperty({ type: Object, description: 'Units of each metric granted per unit bought.', example: { api_calls: 1000 } })
  grants!: Record<string, number>;
  @DocProperty({ type: String, nullable: true, description: 'The plan held for life once bought.' })
  grantsPlan!: string | null;
  @DocProperty({ type: Number, nullable: true, description: 'Days the units stay spendable; null: never expire.' })
  expiresInDays!: number | null;
  @DocProperty({ description: 'Most units one checkout may buy.' })
  maxQuantity!: number;
}

/** A one-time purchase (`GET /checkout/status` of a product checkout). */
export class PurchaseModel {
  @DocProperty({ description: 'The Checkout Session id that paid it.' })
  id!: string;
  @DocProperty({ example: 'credits_1000' })
  product!: string;
  @DocProperty()
  quantity!: number;
  @DocProperty({ type: String, nullable: true, description: 'The plan held for life, while not refunded in full.' })
  plan!: string | null;
  @DocProperty({ description: 'Minor units.' })
  amountPaid!: number;
  @DocProperty({ description: 'Minor units refunded so far.' })
  refundedAmount!: number;
  @DocProperty({ example: 'usd' })
  currency!: string;
  @DocProperty({ enum: ['paid', 'partially_refunded', 'refunded'] })
  status!: string;
  @DocProperty({ type: String, format: 'date-time' })
  createdAt!: string;
}

/** `GET /products`. */
export class ProductsAnswer {
  @DocProperty({ type: ProductModel, isArray: true })
  products!: ProductModel[];
}

/** One purchased bucket. */
export class CreditBucketModel {
  @DocProperty()
  id!: number;
  @DocProperty({ description: 'The Checkout Session id of the purchase.' })
  purchase!: string;
  @DocProperty()
  granted!: number;
  @DocProperty()
  remaining!: number;
  @DocProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: string | null;
  @DocProperty({ type: String, format: 'date-time' })
  purchasedAt!: string;
}

/** One metric of `GET /balance`. */
export class BalanceModel {
  @DocProperty({ example: 'api_calls' })
  metric!: string;
  @DocProperty({ description: "The plan's allowance for the period; -1 is unlimited." })
  limit!: number;
  @DocProperty()
  used!: number;
  @DocProperty({ type: Number, nullable: true, description: 'Allowance left; null when unlimited.' })
  remaining!: number | null;
  @DocProperty({ description: 'Purchased units left.' })
  creditsRemaining!: number;
  @DocProperty({ type: Number, nullable: true, description: 'Allowance left plus purchased units; null when unlimited.' })
  available!: number | null;
  @DocProperty({ type: CreditBucketModel, isArray: true, description: 'Purchased buckets, in spending order (oldest expiry first).' })
  credits!: CreditBucketModel[];
  @DocProperty({ type: String, format: 'date-time' })
  resetsAt!: string;
}

/** `GET /balance`. */
export class BalanceAnswer {
  @DocProperty({ type: String, nullable: true })
  plan!: string | null;
  @DocProperty({ type: BalanceModel, isArray: true })
  balances!: BalanceModel[];
}

/** `GET /products`. */
export const DocProducts = (): MethodDecorator =>
  applyDecorators(DocOperation({ summary: 'The one-time products on sale' }), DocResponse({ status: 200, description: 'The products', type: ProductsAnswer }));

/** `GET /balance`. */
export const DocBalance = (): MethodDecorator =>
  applyDecorators(
    DocOperation({ summary: "The caller's allowance and purchased credits per metric" }),
    DocResponse({ status: 200, description: 'The balances', type: BalanceAnswer }),
    DocErrors({ 401: ['unauthenticated'], 404: ['billable_not_found'] }),
  );
