import { DocOptionalProperty, DocProperty } from '../common/api-docs';
import { PurchaseModel } from '../products/products.api-docs';

// Documentation-only shapes of the billing answers (the services return plain objects of these
// shapes); they exist so the generated OpenAPI document describes each answer.

const LIMITS = { type: 'object', additionalProperties: { type: 'number' }, example: { api_calls: 100 } } as const;
const INTERVALS = ['day', 'week', 'month', 'year'];

/** One price of a plan in `GET /plans`. */
export class PlanPriceModel {
  @DocProperty({ enum: INTERVALS })
  interval!: string;
  @DocProperty({ type: Number, nullable: true, description: 'Minor units (cents); null when Stripe was unreachable.' })
  amount!: number | null;
  @DocProperty({ example: 'usd' })
  currency!: string;
}

/** One plan of the public catalogue. */
export class PlanModel {
  @DocProperty({ example: 'pro' })
  key!: string;
  @DocProperty({ example: 'Pro' })
  name!: string;
  @DocProperty({ type: String, nullable: true })
  description!: string | null;
  @DocProperty({ type: String, isArray: true })
  features!: string[];
  @DocProperty(LIMITS)
  limits!: Record<string, number>;
  @DocProperty({ type: Number, nullable: true })
  trialDays!: number | null;
  @DocProperty()
  free!: boolean;
  @DocProperty({ type: PlanPriceModel, isArray: true })
  prices!: PlanPriceModel[];
}

/** `GET /plans`. */
export class PlansAnswer {
  @DocProperty({ type: PlanModel, isArray: true })
  plans!: PlanModel[];
}

/** `GET /subscription` (and the state after cancel or resume). */
export class SubscriptionModel {
  @DocProperty({ type: String, nullable: true, description: 'Plan in effect now (the free plan when nothing is live).' })
  plan!: string | null;
  @DocProperty({ type: String, nullable: true })
  planName!: string | null;
  @DocProperty({ type: String, nullable: true, description: "Stripe's subscription status; null when never subscribed." })
  status!: string | null;
  @DocProperty()
  active!: boolean;
  @DocProperty()
  onTrial!: boolean;
  @DocProperty()
  onGracePeriod!: boolean;
  @DocProperty()
  cancelAtPeriodEnd!: boolean;
  @DocProperty({ type: String, format: 'date-time', nullable: true })
  cancelAt!: string | null;
  @DocProperty({ type: String, format: 'date-time', nullable: true })
  currentPeriodEnd!: string | null;
  @DocProperty({ type: String, format: 'date-time', nullable: true })
  trialEnd!: string | null;
  @DocProperty({ type: String, isArray: true })
  features!: string[];
  @DocProperty(LIMITS)
  limits!: Record<string, number>;
}

/** A plan change waiting for the period end. */
export class ScheduledChangeModel {
  @DocProperty()
  plan!: string;
  @DocProperty({ enum: INTERVALS })
  interval!: string;
  @DocProperty({ type: String, format: 'date-time' })
  at!: string;
}

/** `POST /upgrade`: the state after the change, and a change scheduled for the period end. */
export class ChangePlanAnswer extends SubscriptionModel {
  @DocProperty({ type: ScheduledChangeModel, nullable: true })
  scheduledChange!: ScheduledChangeModel | null;
}

/** `POST /checkout`. */
export class CheckoutAnswer {
  @DocProperty({ description: 'Stripe Checkout page to send the browser to.' })
  url!: string;
  @DocProperty({ example: 'cs_test_123' })
  sessionId!: string;
}

/** The Checkout Session part of `GET /checkout/status`. */
export class CheckoutSessionModel {
  @DocProperty({ example: 'cs_test_123' })
  id!: string;
  @DocProperty({ type: String, nullable: true, enum: ['open', 'complete', 'expired'] })
  status!: string | null;
  @DocProperty({ enum: ['paid', 'unpaid', 'no_payment_required'] })
  paymentStatus!: string;
}

/** `GET /checkout/status`. */
export class CheckoutStatusAnswer {
  @DocProperty({ type: CheckoutSessionModel })
  session!: CheckoutSessionModel;
  @DocProperty({ type: SubscriptionModel })
  subscription!: SubscriptionModel;
  @DocOptionalProperty({ type: PurchaseModel, nullable: true, description: 'For a one-time product checkout: the purchase once paid and granted, null until then.' })
  purchase?: PurchaseModel | null;
}

/** `POST /portal`. */
export class PortalAnswer {
  @DocProperty({ description: 'Stripe billing portal page to send the browser to.' })
  url!: string;
}

