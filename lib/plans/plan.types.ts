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

/** A usage metric name of the registered catalogue. */
export type LimitName = RegisteredPlans[keyof RegisteredPlans] extends infer P
  ? P extends { limits?: infer L }
    ? Extract<keyof L, string>
    : string
  : string;

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
  /** True when the plan has no Stripe price. */
  free: boolean;
}
