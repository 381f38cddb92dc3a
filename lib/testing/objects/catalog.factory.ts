import type Stripe from 'stripe';

export type PriceInterval = 'day' | 'week' | 'month' | 'year';

export interface PriceInput {
  id: string;
  created: number;
  product: string;
  /** Null for a decimal price whose amount is not a whole number of minor units. */
  unitAmount: number | null;
  /** Minor units as a decimal string (up to 12 places); default `String(unitAmount)`. */
  unitAmountDecimal?: string;
  currency: string;
  interval?: PriceInterval;
  intervalCount?: number;
  trialPeriodDays?: number | null;
  lookupKey?: string | null;
  nickname?: string | null;
  metadata?: Record<string, string>;
  active?: boolean;
  /** A metered price's meter id (`recurring.usage_type = metered`). */
  meter?: string | null;
  /** Tiers of a tiered price (`billing_scheme = tiered`). */
  tiers?: PriceTier[];
  tiersMode?: 'graduated' | 'volume';
}

/** One tier as Stripe serialises it. */
export interface PriceTier {
  up_to: number | null;
  unit_amount: number | null;
  unit_amount_decimal: string | null;
  flat_amount: number | null;
  flat_amount_decimal: string | null;
}

export function buildProduct(input: {
  id: string;
  created: number;
  name: string;
  description?: string | null;
  metadata?: Record<string, string>;
  active?: boolean;
}): Stripe.Product {
  const product = {
    active: input.active ?? true,
    created: input.created,
    default_price: null,
    description: input.description ?? null,
    id: input.id,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: input.metadata ?? {},
    name: input.name,
    object: 'product',
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    unit_label: null,
    updated: input.created,
    url: null,
    type: 'service',
  };
  return product as unknown as Stripe.Product;
}

export function buildPrice(input: PriceInput): Stripe.Price {
  const price = {
    active: input.active ?? true,
    billing_scheme: input.tiers ? 'tiered' : 'per_unit',
    created: input.created,
    currency: input.currency,
    custom_unit_amount: null,
    id: input.id,
    livemode: false,
    lookup_key: input.lookupKey ?? null,
    metadata: input.metadata ?? {},
    nickname: input.nickname ?? null,
    object: 'price',
    product: input.product,
    recurring: input.interval
      ? {
          interval: input.interval,
          interval_count: input.intervalCount ?? 1,
          meter: input.meter ?? null,
          usage_type: input.meter ? 'metered' : 'licensed',
          trial_period_days: input.trialPeriodDays ?? null,
        }
      : null,
    tax_behavior: 'unspecified',
    // Stripe shows tiers only when expanded; the fake always does (the SDK types them as optional).
    ...(input.tiers ? { tiers: input.tiers } : {}),
    tiers_mode: input.tiers ? input.tiersMode ?? 'graduated' : null,
    transform_quantity: null,
    type: input.interval ? 'recurring' : 'one_time',
    unit_amount: input.unitAmount,
    unit_amount_decimal: input.unitAmountDecimal ?? (input.unitAmount === null ? null : String(input.unitAmount)),
  };
  return price as unknown as Stripe.Price;
}

/** What `quantity` units of a price cost, in minor units; decimal prices round to the nearest unit as on Stripe's invoices. */
export function priceAmount(price: Stripe.Price, quantity = 1): number {
  // Metered prices bill usage in arrears, at renewal (see meteredAmount): nothing up front.
  if (price.recurring?.usage_type === 'metered') return 0;
  // The fake keeps Stripe's wire format, where unit_amount_decimal is a string (the SDK types it as Decimal).
  const unit = price.unit_amount ?? Number(String(price.unit_amount_decimal ?? 0));
  return Math.round(unit * quantity);
}

/** The legacy `plan` Stripe still embeds in subscription items, derived from a recurring price. */
export function buildPlanFromPrice(price: Stripe.Price): Stripe.Plan {
  const plan = {
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: 'per_unit',
    created: price.created,
    currency: price.currency,
    id: price.id,
    interval: price.recurring?.interval ?? 'month',
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: price.recurring?.meter ?? null,
    nickname: price.nickname,
    object: 'plan',
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: price.recurring?.trial_period_days ?? null,
    usage_type: price.recurring?.usage_type ?? 'licensed',
  };
  return plan as unknown as Stripe.Plan;
}
