import type Stripe from 'stripe';

/** One answer of Stripe, kept for a while. */
interface CachedAnswer {
  at: number;
  answer: Promise<string | null>;
}

/**
 * Whether Stripe answers, asked at most once per `cacheMs` however many probes come (concurrent
 * probes share the call in flight): a health endpoint polled every second must not spend the
 * account's rate limit. Resolves null when up, else a log-safe reason (never Stripe's text).
 */
export class StripeReachability {
  private cached: CachedAnswer | null = null;

  constructor(private readonly stripe: Stripe) {}

  check(cacheMs: number, now = Date.now()): Promise<string | null> {
    if (this.cached && now - this.cached.at < cacheMs) return this.cached.answer;
    const answer = this.stripe.prices.list({ limit: 1 }).then(
      () => null,
      (error: { type?: string; statusCode?: number }) => `Stripe did not answer (${error?.type ?? 'error'}${error?.statusCode ? ` ${error.statusCode}` : ''})`,
    );
    this.cached = { at: now, answer };
    return answer;
  }
}
