import { Type } from 'class-transformer';
import { Allow, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { DocOptionalProperty, DocProperty } from '../common/api-docs';
import { BillingInterval } from '../plans/plan.types';

const INTERVALS: BillingInterval[] = ['day', 'week', 'month', 'year'];

/** Body of `POST /checkout`. The client names a plan key or a product key, never a Stripe price id. */
export class CheckoutDto {
  /** Plan key from the catalogue (a subscription); required unless `product` is given. */
  @DocOptionalProperty({ description: 'Plan key from the catalogue (not a price id); required unless product is given.', minLength: 1, maxLength: 64, example: 'pro' })
  @ValidateIf((body: CheckoutDto) => body.product === undefined || body.plan !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  plan?: string;

  /** One-time product key (a payment-mode checkout), instead of `plan`. */
  @DocOptionalProperty({ description: 'One-time product key from GET /products, instead of plan.', minLength: 1, maxLength: 64, example: 'credits_1000' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  product?: string;

  /** Billing interval; default: the plan's monthly (or only) price. */
  @DocOptionalProperty({ enum: INTERVALS, description: "Default: the plan's monthly (or only) price." })
  @IsOptional()
  @IsIn(INTERVALS)
  interval?: BillingInterval;

  /** A path, or a URL on an allowed origin; default `urls.success`. */
  @DocOptionalProperty({ maxLength: 2048, description: 'A path, or a URL on an allowed origin. Default: urls.success.' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  successUrl?: string;

  /** A path, or a URL on an allowed origin; default `urls.cancel`. */
  @DocOptionalProperty({ maxLength: 2048, description: 'A path, or a URL on an allowed origin. Default: urls.cancel.' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cancelUrl?: string;
  /** A customer-facing promotion code (accepted when the `allowPromotionCodes` option is on). */
  @DocOptionalProperty({ maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'A promotion code (when the server accepts them).', example: 'SPRING20' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'promotionCode must be letters, digits, - or _' })
  promotionCode?: string;

  /**
   * Seats to buy on a plan sold per seat (default the plan's `seats.min`), or how many of a product
   * (default 1, at most its `maxQuantity`). Checked by the services, so each case answers its own
   * code: `invalid_quantity`, `quantity_below_min`, `quantity_above_max`, `plan_without_seats`, `quantity_out_of_range`.
   */
  @DocOptionalProperty({ type: Number, minimum: 1, description: "Seats to buy on a per-seat plan (default: the plan's minimum), or how many of a product (default 1).", example: 5 })
  @Allow()
  quantity?: number;
}

/** Body of `POST /portal`. */
export class PortalDto {
  /** A path, or a URL on an allowed origin; default `urls.portalReturn`. */
  @DocOptionalProperty({ maxLength: 2048, description: 'A path, or a URL on an allowed origin. Default: urls.portalReturn.' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  returnUrl?: string;

  /** Open the portal on one task: `payment_method_update`. Default: the portal's home page. */
  @DocOptionalProperty({ enum: ['payment_method_update'], description: "Open the portal on one task. Default: the portal's home page." })
  @IsOptional()
  @IsIn(['payment_method_update'])
  flow?: 'payment_method_update';
}

/** Body of `POST /cancel`. */
export class CancelDto {
  /** Cancel now instead of at the period end (needs `allowImmediateCancel`). Default false. */
  @DocOptionalProperty({ type: Boolean, default: false, description: 'Cancel now instead of at the period end (needs allowImmediateCancel).' })
  @IsOptional()
  @IsBoolean()
  immediately?: boolean;
}

/** Body of `POST /upgrade` (any plan change, up or down). */
export class ChangePlanDto {
  /** Plan key from the catalogue. */
  @DocProperty({ description: 'Plan key from the catalogue (not a price id).', minLength: 1, maxLength: 64, example: 'pro' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  plan!: string;

  /** Billing interval; default: the current one when the plan offers it. */
  @DocOptionalProperty({ enum: INTERVALS, description: 'Default: the current one when the plan offers it.' })
  @IsOptional()
  @IsIn(INTERVALS)
  interval?: BillingInterval;

  /** Only answer what the change would charge (`{ preview }`), changing nothing. Default false. */
  @DocOptionalProperty({ type: Boolean, default: false, description: 'Only answer what the change would charge, changing nothing.' })
  @IsOptional()
  @IsBoolean()
  preview?: boolean;

  /** A customer-facing promotion code applied with the change (accepted when the `allowPromotionCodes` option is on). */
  @DocOptionalProperty({ maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'A promotion code applied with the change (when the server accepts them).', example: 'SPRING20' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'promotionCode must be letters, digits, - or _' })
  promotionCode?: string;
}

/** Query of `GET /checkout/status`. */
export class CheckoutStatusQuery {
  /** The Checkout Session id Stripe put in the success URL. */
  @DocProperty({ description: 'The Checkout Session id Stripe put in the success URL.', pattern: '^cs_[A-Za-z0-9_]+$', maxLength: 255, example: 'cs_test_123' })
  @IsString()
  @MaxLength(255)
  @Matches(/^cs_[A-Za-z0-9_]+$/, { message: 'session_id must be a Checkout Session id (cs_...)' })
  session_id!: string;
}

/** Query of `GET /invoices`. */
export class InvoicesQuery {
  /** Page size, 1 to 100; default 10. */
  @DocOptionalProperty({ type: Number, minimum: 1, maximum: 100, default: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** The last invoice id of the previous page. */
  @DocOptionalProperty({ pattern: '^in_[A-Za-z0-9]+$', maxLength: 255, description: 'The last invoice id of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(/^in_[A-Za-z0-9]+$/, { message: 'starting_after must be an invoice id (in_...)' })
  starting_after?: string;
}

/** Path of `GET /invoices/:id`. */
export class InvoiceIdParams {
  /** A Stripe invoice id of the caller's own. */
  @DocProperty({ pattern: '^in_[A-Za-z0-9]+$', maxLength: 255, example: 'in_123' })
  @IsString()
  @MaxLength(255)
  @Matches(/^in_[A-Za-z0-9]+$/, { message: 'id must be an invoice id (in_...)' })
  id!: string;
}
