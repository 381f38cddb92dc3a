import { Inject, Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { PlanCatalog } from '../plans/plan-catalog';
import { BillingInterval } from '../plans/plan.types';
import { StripeGateway } from '../stripe/stripe-gateway.service';

/**
 * One price of a plan as `GET /plans` shows it. `amount` is in the currency's minor unit (cents); null when unknown.
 * A decimal price (`unit_amount_decimal` only) may carry a fraction of a cent, e.g. 0.5.
 */
export interface PlanPriceView {
  interval: BillingInterval;
  amount: number | null;
  currency: string;
}

/** One plan of the public catalogue. Price ids are left out: clients name plans by key. */
export interface PlanView {
  key: string;
  name: string;
  description: string | null;
  features: string[];
  limits: Record<string, number>;
  trialDays: number | null;
  free: boolean;
  prices: PlanPriceView[];
}

interface CachedPrice {
  amount: number | null;
  currency: string;
  expiresAt: number;
}

/** Prices change rarely; a short cache keeps the public route from hitting Stripe on every page view. */
const PRICE_TTL_MS = 10 * 60_000;
/** After a failed lookup, wait before asking Stripe again so an outage does not slow every request. */
const FAILED_PRICE_TTL_MS = 30_000;

/** The public plan catalogue with amounts read from Stripe once and cached. Free plans need no Stripe. */
@Injectable()
export class PlansCatalogueService {
  private readonly logger = new Logger('Payments:Billing');
  private readonly cache = new Map<string, CachedPrice>();
  private readonly inFlight = new Map<string, Promise<CachedPrice>>();

  constructor(
    private readonly catalog: PlanCatalog,
    private readonly gateway: StripeGateway,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  /** Every plan in rank order with its prices; a price Stripe cannot tell us right now has `amount: null`. */
  async plans(): Promise<PlanView[]> {
    const plans = this.catalog.list();
    const priceIds = plans.flatMap((plan) => Object.values(plan.prices).filter((id): id is string => !!id));
    const prices = new Map(await Promise.all(priceIds.map(async (id) => [id, await this.price(id)] as const)));
    return plans.map((plan) => ({
      key: plan.key,
      name: plan.name,
      description: plan.description ?? null,
      features: [...plan.features],
      limits: { ...plan.limits },
      trialDays: plan.trialDays ?? null,
      free: plan.free,
      prices: (Object.entries(plan.prices) as [BillingInterval, string][]).map(([interval, id]) => {
        const price = prices.get(id)!;
        return { interval, amount: price.amount, currency: price.currency };
      }),
    }));
  }

  private price(priceId: string): Promise<CachedPrice> {
    const cached = this.cache.get(priceId);
    if (cached && cached.expiresAt > Date.now()) return Promise.resolve(cached);
    const running = this.inFlight.get(priceId);
    if (running) return running;
    const load = this.load(priceId).finally(() => this.inFlight.delete(priceId));
    this.inFlight.set(priceId, load);
    return load;
  }

  private async load(priceId: string): Promise<CachedPrice> {
    let entry: CachedPrice;
    try {
      const price = await this.gateway.call('prices.retrieve', (s) => s.prices.retrieve(priceId));
      entry = { amount: amountOf(price), currency: price.currency, expiresAt: Date.now() + PRICE_TTL_MS };
    } catch (error) {
      this.logger.warn(`price ${priceId} unavailable for the catalogue (${(error as { code?: string }).code ?? 'error'}); serving amount null`);
      entry = { amount: null, currency: this.options.currency, expiresAt: Date.now() + FAILED_PRICE_TTL_MS };
    }
    this.cache.set(priceId, entry);
    return entry;
  }
}

/** `unit_amount`, or for a decimal price (whose `unit_amount` is null) its `unit_amount_decimal` as a number. */
function amountOf(price: Stripe.Price): number | null {
  if (price.unit_amount !== null && price.unit_amount !== undefined) return price.unit_amount;
  if (price.unit_amount_decimal === null || price.unit_amount_decimal === undefined) return null;
  const amount = Number(price.unit_amount_decimal.toString());
  return Number.isFinite(amount) ? amount : null;
}
