import type Stripe from 'stripe';
import { FakeStore } from './fake-store';
import { ResolvedOptions, TestCard } from './fake-stripe.types';
import { SeededRandom } from './seeded-random';

/** Who caused the current change: copied into `event.request` as Stripe does. */
export interface RequestOrigin {
  id: string | null;
  idempotencyKey: string | null;
  /** The request's `Stripe-Version` (or the account's): decides defaults such as `billing_mode`. */
  apiVersion?: string;
}

/** What the billing engine, routes and pages share; one per FakeStripe. */
export interface FakeContext {
  readonly store: FakeStore;
  readonly random: SeededRandom;
  readonly options: ResolvedOptions;
  now(): number;
  id(prefix: string, length?: number): string;
  /** Records an event and queues its deliveries. `previous` is the object before the change (diffed). */
  emit(type: string, object: object, previous?: object): Stripe.Event;
  /** The card a payment uses now, honouring `faults.declineNextPayment()`. */
  cardFor(customerId: string): TestCard;
  baseUrl(): string;
  origin: RequestOrigin;
}

/** Top-level keys whose JSON changed, with their old values: Stripe's `previous_attributes`. */
export function previousAttributes(before: object, after: object): Record<string, unknown> {
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(b)) {
    if (JSON.stringify(b[key]) !== JSON.stringify(a[key])) out[key] = b[key];
  }
  return out;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}
