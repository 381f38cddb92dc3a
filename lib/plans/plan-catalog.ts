import { BillingInterval, CatalogMeteredMetric, CatalogPlan, CatalogSeats, PlanDefinition, PlansDefinition, SeatsDefinition } from './plan.types';

/** Where a Stripe price sits in the catalogue. */
export interface PriceLookup {
  plan: CatalogPlan;
  interval: BillingInterval;
  /** True for the per-seat price of a "base + seats" plan (its second item). */
  seatAddOn?: boolean;
}

/** Read-only view of the plans object: lookups by key, by Stripe price, rank, features and limits. */
export class PlanCatalog {
  private readonly byKey = new Map<string, CatalogPlan>();
  private readonly byPrice = new Map<string, PriceLookup>();
  private readonly ordered: CatalogPlan[] = [];

  constructor(plans: PlansDefinition) {
    Object.entries(plans).forEach(([key, def], rank) => {
      const prices: Partial<Record<BillingInterval, string>> = { ...(def.prices ?? {}) };
      if (def.priceId && !prices.month) prices.month = def.priceId;
      const metered = meteredOf(def);
      const meteredPrices = Object.values(metered).map((m) => m.priceId);
      // Pay as you go: the first metered price is what checkout sells and webhooks recognise.
      const fixed = Object.keys(prices).length > 0;
      if (!fixed && meteredPrices.length > 0) prices.month = meteredPrices[0];
      const plan: CatalogPlan = {
        key,
        name: def.name,
        description: def.description,
        rank,
        features: [...(def.features ?? [])],
        limits: { ...(def.limits ?? {}), ...softLimits(metered) },
        trialDays: def.trialDays,
        pausable: def.pausable === true,
        prices,
        free: Object.keys(prices).length === 0,
        allocations: { ...(def.allocations ?? {}) },
        metered,
      };
      if (def.seats) plan.seats = catalogSeats(def.seats);
      this.byKey.set(key, plan);
      this.ordered.push(plan);
      for (const [interval, priceId] of Object.entries(prices)) {
        if (priceId) this.byPrice.set(priceId, { plan, interval: interval as BillingInterval });
      }
      for (const [interval, priceId] of Object.entries(plan.seats?.prices ?? {})) {
        if (priceId) this.byPrice.set(priceId, { plan, interval: interval as BillingInterval, seatAddOn: true });
      }
      const interval = (Object.keys(prices)[0] ?? 'month') as BillingInterval;
      for (const priceId of meteredPrices) if (!this.byPrice.has(priceId)) this.byPrice.set(priceId, { plan, interval });
    });
  }

  /** The metered metric of a plan, or undefined when the plan does not bill it by usage. */
  metered(planKey: string | null | undefined, metric: string): CatalogMeteredMetric | undefined {
    return this.get(planKey)?.metered[metric];
  }

  /** True when the price is a metered price of some plan (checkout sends it without a quantity). */
  isMeteredPrice(priceId: string): boolean {
    return this.ordered.some((plan) => Object.values(plan.metered).some((m) => m.priceId === priceId));
  }

  /** Checkout line items for a plan sold at `priceId`: the fixed price with quantity 1, then each metered price without one. */
  checkoutLines(planKey: string, priceId: string): { price: string; quantity?: number }[] {
    const plan = this.get(planKey);
    const lines: { price: string; quantity?: number }[] = [this.isMeteredPrice(priceId) ? { price: priceId } : { price: priceId, quantity: 1 }];
    for (const m of Object.values(plan?.metered ?? {})) if (m.priceId !== priceId) lines.push({ price: m.priceId });
    return lines;
  }

  /** Every plan, in rank order. */
  list(): readonly CatalogPlan[] {
    return this.ordered;
  }

  /** The plan with this key, or undefined. */
  get(key: string | null | undefined): CatalogPlan | undefined {
    return key == null ? undefined : this.byKey.get(key);
  }

  /** The plan and interval that sell this Stripe price, or undefined for a price we do not know. */
  byPriceId(priceId: string | null | undefined): PriceLookup | undefined {
    return priceId == null ? undefined : this.byPrice.get(priceId);
  }

  /** The price id of a plan for an interval; with no interval, the plan's only or monthly price. */
  priceFor(key: string, interval?: BillingInterval): string | undefined {
    const plan = this.byKey.get(key);
    if (!plan) return undefined;
    if (interval) return plan.prices[interval];
    const intervals = Object.keys(plan.prices) as BillingInterval[];
    return plan.prices.month ?? (intervals.length === 1 ? plan.prices[intervals[0]] : undefined);
  }

  /**
   * The price whose quantity is the seat count of a subscription to `key` at `interval`: the
   * per-seat add-on of a "base + seats" plan, else the plan's own price. Undefined without seats.
   */
  seatPriceFor(key: string, interval: BillingInterval): string | undefined {
    const plan = this.byKey.get(key);
    if (!plan?.seats) return undefined;
    return Object.keys(plan.seats.prices).length > 0 ? plan.seats.prices[interval] : plan.prices[interval];
  }

  /** True when any plan is sold per seat. */
  hasSeats(): boolean {
    return this.ordered.some((plan) => plan.seats !== undefined);
  }

  /** The plan's position (higher = bigger); -1 for an unknown key. */
  rank(key: string | null | undefined): number {
    return this.get(key)?.rank ?? -1;
  }

  /** The free default plan: the first plan with no price, if any. */
  freePlan(): CatalogPlan | undefined {
    return this.ordered.find((plan) => plan.free);
  }

  /** Features of a plan (the free plan's when the key is null or unknown). */
  features(key: string | null | undefined): readonly string[] {
    return (this.get(key) ?? this.freePlan())?.features ?? [];
  }

  /** Limits of a plan (the free plan's when the key is null or unknown). */
  limits(key: string | null | undefined): Readonly<Record<string, number>> {
    return (this.get(key) ?? this.freePlan())?.limits ?? {};
  }

  /** Allocation limits of a plan (the free plan's when the key is null or unknown). */
  allocations(key: string | null | undefined): Readonly<Record<string, number>> {
    return (this.get(key) ?? this.freePlan())?.allocations ?? {};
  }

  /** True when any plan names this allocation. */
  knowsAllocation(name: string): boolean {
    return this.ordered.some((plan) => name in plan.allocations);
  }

  /** Keys of the plans that grant a feature, in rank order. */
  plansWithFeature(feature: string): string[] {
    return this.ordered.filter((plan) => plan.features.includes(feature)).map((plan) => plan.key);
  }

  /** True when any plan grants this feature. */
  knowsFeature(feature: string): boolean {
    return this.ordered.some((plan) => plan.features.includes(feature));
  }

  /** True when any plan names this usage metric. */
  knowsLimit(metric: string): boolean {
    return this.ordered.some((plan) => metric in plan.limits || metric in plan.metered);
  }
}

function catalogSeats(def: SeatsDefinition): CatalogSeats {
  const prices: Partial<Record<BillingInterval, string>> = { ...(def.prices ?? {}) };
  if (def.priceId && !prices.month) prices.month = def.priceId;
  return { included: def.included ?? 0, min: def.min ?? 1, max: def.max ?? null, prices };
}

function meteredOf(def: PlanDefinition): Record<string, CatalogMeteredMetric> {
  const out: Record<string, CatalogMeteredMetric> = {};
  for (const [metric, m] of Object.entries(def.metered ?? {})) {
    out[metric] = { metric, meter: m.meter, priceId: m.priceId, included: m.included ?? 0, limit: m.limit ?? 'soft' };
  }
  return out;
}

/** A soft metered metric is counted and billed, never refused: unlimited for the ledger. */
function softLimits(metered: Record<string, CatalogMeteredMetric>): Record<string, number> {
  return Object.fromEntries(Object.values(metered).filter((m) => m.limit === 'soft').map((m) => [m.metric, -1]));
}
