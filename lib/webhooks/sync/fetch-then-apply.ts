import type Stripe from 'stripe';
import { StripeGateway } from '../../stripe/stripe-gateway.service';

/**
 * Thrown inside a transaction when applying turns out to need Stripe (an object not fetched yet,
 * a duplicate to cancel, or a row that changed since the fetch): the transaction rolls back, the
 * call runs with no transaction open, and the whole fetch-then-apply runs again.
 */
export class StripeCallNeeded extends Error {
  constructor(
    reason: string,
    readonly call: () => Promise<void> = async () => undefined,
  ) {
    super(`Stripe call needed before applying: ${reason}`);
  }
}

/** Rounds of fetch-then-apply before giving up (each extra round is rare: a second subscription, a relinked customer, a trial's fingerprints). */
const MAX_ROUNDS = 5;

/**
 * Fetches from Stripe with no transaction open, then applies in one transaction (`apply` opens
 * it), so a slow Stripe never holds a connection or a row lock. `StripeCallNeeded` from `apply`
 * runs its call between rounds.
 */
export async function fetchThenApply<F, T>(fetch: () => Promise<F>, apply: (fetched: F) => Promise<T>): Promise<T> {
  for (let round = 1; ; round++) {
    const fetched = await fetch();
    try {
      return await apply(fetched);
    } catch (error) {
      if (!(error instanceof StripeCallNeeded) || round >= MAX_ROUNDS) throw error;
      await error.call();
    }
  }
}

/**
 * Subscriptions a sync may need beside the one it applies (the billable's current one, to tell a
 * double charge from a replacement), fetched between rounds and kept for the sync's later rounds.
 */
export class StripeLookups {
  private readonly subscriptions = new Map<string, Stripe.Subscription | null>();
  private readonly others = new Map<string, unknown>();

  constructor(private readonly gateway: StripeGateway) {}

  /** The subscription as fetched earlier in this sync; throws `StripeCallNeeded` to fetch it first. */
  subscription(id: string): Stripe.Subscription | null {
    if (this.subscriptions.has(id)) return this.subscriptions.get(id) ?? null;
    throw new StripeCallNeeded(`subscription ${id}`, async () => {
      this.subscriptions.set(id, await this.gateway.find('subscriptions.retrieve', (s) => s.subscriptions.retrieve(id)));
    });
  }

  /** Anything else a sync needs from Stripe, fetched between rounds under `key` and kept for later rounds. */
  fetched<T>(key: string, fetch: () => Promise<T>): T {
    if (this.others.has(key)) return this.others.get(key) as T;
    throw new StripeCallNeeded(key, async () => {
      this.others.set(key, await fetch());
    });
  }
}
