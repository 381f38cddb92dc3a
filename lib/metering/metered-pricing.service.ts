import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { InjectStripe } from '../stripe/inject-stripe.decorator';
import { meteredAmount } from './metered-amount';

const CACHE_MS = 10 * 60_000;

/** Estimated amounts for `GET /usage`: the metered price read from Stripe once (cached 10 min), never per request. */
@Injectable()
export class MeteredPricing {
  private readonly logger = new Logger('Payments:Metering');
  private readonly prices = new Map<string, { at: number; price: Stripe.Price | null }>();

  constructor(@InjectStripe() private readonly stripe: Stripe) {}

  /** `{ amount, currency }` that `units` of the price cost this period, or null when the price cannot be read. */
  async estimate(priceId: string, units: number): Promise<{ amount: number; currency: string } | null> {
    const price = await this.price(priceId);
    return price ? { amount: meteredAmount(price as never, units), currency: price.currency } : null;
  }

  private async price(priceId: string): Promise<Stripe.Price | null> {
    const cached = this.prices.get(priceId);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.price;
    let price: Stripe.Price | null = null;
    try {
      price = await this.stripe.prices.retrieve(priceId, { expand: ['tiers'] });
    } catch {
      this.logger.warn(`metered price ${priceId} could not be read from Stripe; usage amounts are left out until it can`);
    }
    this.prices.set(priceId, { at: Date.now(), price });
    return price;
  }
}
