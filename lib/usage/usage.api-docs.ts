import { applyDecorators } from '@nestjs/common';
import { DocErrors, DocOperation, DocOptionalProperty, DocProperty, DocResponse } from '../common/api-docs';
import { CreditBucketModel } from '../products/products.api-docs';

// The OpenAPI description of `GET /usage` (no-ops without @nestjs/swagger).

/** One meter of `GET /usage`. */
export class UsageMeterModel {
  @DocProperty({ example: 'api_calls' })
  metric!: string;
  @DocProperty()
  used!: number;
  @DocProperty({ description: "The plan's limit; -1 is unlimited, 0 means the plan does not include the metric." })
  limit!: number;
  @DocProperty({ type: Number, nullable: true, description: 'Units left; null when unlimited.' })
  remaining!: number | null;
  @DocProperty()
  unlimited!: boolean;
  @DocProperty({ type: String, format: 'date-time' })
  resetsAt!: string;
  @DocOptionalProperty({ description: 'Purchased units left; only for a metric a product sells.' })
  creditsRemaining?: number;
  @DocOptionalProperty({ type: CreditBucketModel, isArray: true, description: 'Purchased buckets in spending order; only for a metric a product sells.' })
  credits?: CreditBucketModel[];
}

/** `GET /usage`. */
export class UsageAnswer {
  @DocProperty({ type: String, nullable: true })
  plan!: string | null;
  @DocProperty({ type: String, format: 'date-time' })
  periodStart!: string;
  @DocProperty({ type: String, format: 'date-time' })
  resetsAt!: string;
  @DocProperty({ type: UsageMeterModel, isArray: true })
  usage!: UsageMeterModel[];
}

/** `GET /usage`. */
export const DocUsage = (): MethodDecorator =>
  applyDecorators(
    DocOperation({ summary: "The caller's usage meters for the current period" }),
    DocResponse({ status: 200, description: 'The meters', type: UsageAnswer }),
    DocErrors({ 401: ['unauthenticated'], 404: ['billable_not_found'] }),
  );
