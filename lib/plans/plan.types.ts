/** Billing intervals Stripe supports for recurring prices. */
export type BillingInterval = 'day' | 'week' | 'month' | 'year';

/** One plan of the catalogue, as written in the options. */
export interface PlanDefinition {
  /** Human name shown to customers. Required. */
  name: string;
  /** Optional one-line description for the plans endpoint. */
  description?: string;
  /** The Stripe price of a single-interval plan. Omit both `priceId` and `prices` for the free plan. */
  priceId?: string;
  /** Stripe prices by interval, for plans sold monthly and yearly. */
  prices?: Partial<Record<BillingInterval, string>>;
  /** Feature names this plan grants. Default: none. */
  features?: readonly string[];
  /** Usage limits per billing period by metric name; -1 means unlimited. Default: none. */
  limits?: Readonly<Record<string, number>>;
  /** Free trial length for a billable's first subscription to this plan. Default: no trial. */
  trialDays?: number;
  /** Subscribers may pause payment collection (`POST /pause`, `POST /unpause`); no access while paused. Default false. */
  pausable?: boolean;
  /** Limits that never reset (projects, API keys) by name; -1 means unlimited. Counted by `UsageService.allocate/free`. Default: none. */
  allocations?: Readonly<Record<string, number>>;
  /**
   * Sells the plan per seat. Without `seats.prices` the plan's own price is per unit (quantity =
   * seats); with them the plan's price is a flat base and `seats.prices` a second, per-seat item.
   * Default: not sold per seat.
   */
  seats?: SeatsDefinition;
  /** Metrics billed through a Stripe Billing Meter, by metric name. Default: none. */
  metered?: Readonly<Record<string, MeteredMetricDefinition>>;
}

/** A metric billed by usage: every counted unit is reported to a Stripe meter and billed at its price. */
export interface MeteredMetricDefinition {
  /** The meter's `event_name` at Stripe. Required. */
  meter: string;
  /** The metered recurring price (`recurring.usage_type = metered`). Required. */
  priceId: string;
  /** Units the plan includes before overage (give the price a free first tier so Stripe bills the same). Default 0. */
  included?: number;
  /** 'soft' counts and bills past any limit (never 429); 'hard' enforces `limits[metric]`. Default 'soft'. */
  limit?: 'soft' | 'hard';
}

/** How a plan sells seats (issue 13). */
export interface SeatsDefinition {
  /** Seats that come with the plan without being bought (e.g. 3 with the base price). Default 0. */
  included?: number;
  /** Fewest seats a subscription may buy. Default 1. */
  min?: number;
  /** Most seats a subscription may buy. Default: no maximum. */
  max?: number;
  /** The per-seat Stripe price of a "base + seats" plan, by interval. Default: the plan's own price is per seat. */
  prices?: Partial<Record<BillingInterval, string>>;
  /** The per-seat price of a single-interval "base + seats" plan (same as `prices.month`). */
  priceId?: string;
}

/** A plan's seats as the catalogue serves them, defaults applied. */
export interface CatalogSeats {
  included: number;
  min: number;
  /** null: no maximum. */
  max: number | null;
  /** The per-seat price of a "base + seats" plan by interval; empty when the plan's own price is per seat. */
  prices: Partial<Record<BillingInterval, string>>;
}

/** The plans object: plan key -> definition, in rank order (cheapest first). */
export type PlansDefinition = Readonly<Record<string, PlanDefinition>>;

/**
 * Augment this interface to make plan keys, features and limits typed in decorators:
 * `declare module 'nestjs-headless-payments' { interface PaymentsRegister { plans: typeof plans } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface PaymentsRegister {}

type RegisteredPlans = PaymentsRegister extends { plans: infer P } ? P : Record<string, PlanDefinition>;

/** A plan key of the registered catalogue (any string until `PaymentsRegister` is augmented). */
export type PlanKey = Extract<keyof RegisteredPlans, string>;

/** A feature name of the registered catalogue. */
export type FeatureName = RegisteredPlans[keyof RegisteredPlans] extends infer P
  ? P extends { features?: readonly (infer F)[] }
    ? Extract<F, string>
    : string
  : string;

/** A usage metric name of the registered catalogue (from `limits` and `metered`). */
export type LimitName = RegisteredPlans[keyof RegisteredPlans] extends infer P
  ? P extends { limits?: infer L }
    ? Extract<keyof L, string> | MeteredName<P>
    : string
  : string;

type MeteredName<P> = P extends { metered?: infer M } ? Extract<keyof NonNullable<M>, string> : never;

/** A plan as the catalogue serves it, with its key and rank. */
export interface CatalogPlan {
  key: string;
  name: string;
  description?: string;
  /** 0-based position in the plans object: higher is a bigger plan. */
  rank: number;
  features: readonly string[];
  limits: Readonly<Record<string, number>>;
  trialDays?: number;
  /** Subscribers may pause payment collection. */
  pausable: boolean;
  /** Stripe price ids by interval; empty for the free plan. */
  prices: Partial<Record<BillingInterval, string>>;
  /** True when the plan has no Stripe price (neither fixed nor metered). */
  free: boolean;
  /** Set when the plan is sold per seat. */
  seats?: CatalogSeats;
  /** Limits that never reset, by name; -1 is unlimited. */
  allocations: Readonly<Record<string, number>>;
  /** Metered metrics by name (empty for a plan without usage billing). */
  metered: Readonly<Record<string, CatalogMeteredMetric>>;
}

/** A metered metric as the catalogue serves it. */
export interface CatalogMeteredMetric {
  metric: string;
  meter: string;
  priceId: string;
  included: number;
  limit: 'soft' | 'hard';
}
