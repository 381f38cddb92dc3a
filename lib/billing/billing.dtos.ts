import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { BillingInterval } from '../plans/plan.types';

const INTERVALS: BillingInterval[] = ['day', 'week', 'month', 'year'];

/** Body of `POST /checkout`. The client names a plan key, never a Stripe price id. */
export class CheckoutDto {
  /** Plan key from the catalogue. */
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  plan!: string;

  /** Billing interval; default: the plan's monthly (or only) price. */
  @IsOptional()
  @IsIn(INTERVALS)
  interval?: BillingInterval;

  /** A path, or a URL on an allowed origin; default `urls.success`. */
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  successUrl?: string;

  /** A path, or a URL on an allowed origin; default `urls.cancel`. */
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cancelUrl?: string;
}

/** Body of `POST /portal`. */
export class PortalDto {
  /** A path, or a URL on an allowed origin; default `urls.portalReturn`. */
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  returnUrl?: string;
}

/** Body of `POST /cancel`. */
export class CancelDto {
  /** Cancel now instead of at the period end (needs `allowImmediateCancel`). Default false. */
  @IsOptional()
  @IsBoolean()
  immediately?: boolean;
}

/** Body of `POST /upgrade` (any plan change, up or down). */
export class ChangePlanDto {
  /** Plan key from the catalogue. */
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  plan!: string;

  /** Billing interval; default: the current one when the plan offers it. */
  @IsOptional()
  @IsIn(INTERVALS)
  interval?: BillingInterval;
}

/** Query of `GET /checkout/status`. */
export class CheckoutStatusQuery {
  /** The Checkout Session id Stripe put in the success URL. */
  @IsString()
  @MaxLength(255)
  @Matches(/^cs_[A-Za-z0-9_]+$/, { message: 'session_id must be a Checkout Session id (cs_...)' })
  session_id!: string;
}
