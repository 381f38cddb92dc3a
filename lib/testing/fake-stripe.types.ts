import type Stripe from 'stripe';
import type { FormParams } from './form-body.parser';

/** The card a customer pays with, named after Stripe's test cards' behaviour. */
export type TestCard = 'success' | 'decline' | 'requires_action';

export interface FakeStripeOptions {
  /** Seed for ids, shuffles and random delays; default: random (read it back from `fake.seed`). */
  seed?: number;
  /** Secret for endpoints added without one; default `whsec_fake_<random>`. */
  webhookSecret?: string;
  /** Where the fake reports what it does (seed, delivery failures); default: silent. */
  logger?: (msg: string) => void;
  /** Unix seconds the test clock starts at; default: the wall clock. The clock only moves with `advanceTime`. */
  startTime?: number;
  /** Delays between webhook delivery attempts; default [50, 100, 200, 400] ms (5 attempts). */
  retryScheduleMs?: number[];
  /** Days after the first failed renewal payment when Stripe retries it; default [3, 5, 7]. */
  paymentRetryDays?: number[];
  /** What happens when payment retries are exhausted; default 'cancel'. */
  afterRetriesExhausted?: 'cancel' | 'unpaid';
  /** How the hosted portal cancels: at period end (flag) or by setting `cancel_at`; default 'at_period_end'. */
  portalCancelMode?: 'at_period_end' | 'cancel_at';
  /** Timeout of one webhook POST; default 5000 ms. */
  deliveryTimeoutMs?: number;
  /**
   * The account's API version: used for requests without `Stripe-Version` and for events to
   * endpoints without their own; one of `FAKE_API_VERSIONS`. Default the installed SDK's.
   */
  apiVersion?: string;
  /** Deliver webhooks as Stripe may (seeded shuffle, duplicates, small delays) from the start; default false (in order, once). */
  realisticDelivery?: boolean;
  /** Simulated Stripe round trip: every API call waits this long before it is processed (see `fake.faults.setLatency`); default 0. */
  apiLatencyMs?: number;
  /** Port on 127.0.0.1 to listen on, for a standalone fake a test setup points at; default 0 (a free port, see `fake.port`). */
  port?: number;
}

/** Options of one webhook endpoint (an event destination) at the fake. */
export interface WebhookEndpointOptions {
  /** The version its snapshot events are rendered in; default (or null) the account's (`FakeStripeOptions.apiVersion`). */
  apiVersion?: string | null;
  /** Event types it is registered for, as `webhookEndpoints.list` shows them (deliveries are not filtered); default ['*']. */
  enabledEvents?: string[];
  /** 'snapshot' (v1 events with the object) or 'thin' (v1.* event notifications to fetch from); default 'snapshot'. */
  payload?: 'snapshot' | 'thin';
}

export interface ResolvedOptions {
  seed: number;
  apiVersion: string;
  webhookSecret: string;
  logger: (msg: string) => void;
  paymentRetryDays: number[];
  afterRetriesExhausted: 'cancel' | 'unpaid';
  portalCancelMode: 'at_period_end' | 'cancel_at';
}

/** One API call the fake received; `status` 0 means no answer was sent (dropped or the client left). */
export interface RecordedRequest {
  method: string;
  path: string;
  idempotencyKey?: string;
  status: number;
  /** The decoded form or query parameters, as the fake received them. */
  params?: FormParams;
  /** Set when parameter validation refused the request (what Stripe would refuse too): its error code, param and message. */
  invalid?: { code: string; param?: string; message: string };
  /** True when an idempotency key replayed an earlier answer: Stripe did nothing this time. */
  replayed?: boolean;
  /** Set when the request was carried out but its answer was lost (a dropped connection): the status it would have had. */
  lostAnswerStatus?: number;
}

export interface DeliveryRecord {
  eventId: string;
  type: string;
  endpointId: string;
  attempt: number;
  status: number | 'error';
  /** Wall-clock milliseconds. */
  at: number;
}

export interface DeliverySettings {
  /** Deliver each event this many times (at-least-once simulation); default 1. */
  times?: number;
  /** Chance in [0, 1] (seeded) that an event is delivered once more than `times`; default 0. */
  duplicates?: number;
  /** Deliver queued events in a seeded random order; default false. */
  shuffle?: boolean;
  /** Wait before each attempt: fixed ms or a seeded random value in [min, max]. */
  delayMs?: number | [number, number];
  /** Events for which this returns true are never delivered (still in `fake.events`). */
  drop?: (event: Stripe.Event) => boolean;
  /** Attempts in flight at once; default 1 (in order). */
  concurrency?: number;
  /** Delays between attempts of one delivery; its length is the number of retries. */
  retryScheduleMs?: number[];
}

export interface PriceSpec {
  /** A fixed id such as 'price_pro_month'; default a generated `price_...`. */
  id?: string;
  /** Minor units (cents); give this or `unitAmountDecimal`. */
  unitAmount?: number;
  /** Minor units as a decimal string such as '1250.5' (a decimal price); give this or `unitAmount`. */
  unitAmountDecimal?: string;
  currency?: string;
  /** Omit for a one-time price. */
  interval?: 'day' | 'week' | 'month' | 'year';
  intervalCount?: number;
  productName?: string;
  /** Reuse an existing product instead of creating one. */
  productId?: string;
  lookupKey?: string;
  trialPeriodDays?: number;
  metadata?: Record<string, string>;
  /** A metered price billed from this meter's events (id `mtr_...`); needs `interval`. */
  meter?: string;
  /** Tiers in minor units (`upTo: null` is the last, unbounded tier); makes a tiered price. */
  tiers?: { upTo: number | null; unitAmount?: number; flatAmount?: number }[];
  /** Default 'graduated'. */
  tiersMode?: 'graduated' | 'volume';
}

export interface CompleteCheckoutOptions {
  /** Card the person pays with; default 'success'. */
  card?: TestCard;
  /** For 'requires_action': whether the person passes the 3-D Secure challenge; default false (session stays open). */
  authenticate?: boolean;
  email?: string;
  name?: string;
  /** The card's fingerprint (the same card number paid on several accounts); default a new one per payment. */
  cardFingerprint?: string;
  /** Payment mode: pay by a delayed method (a bank debit), so the session completes `unpaid` until `settleAsyncPayment`. Default false. */
  asyncPayment?: boolean;
}

export interface CompleteCheckoutResult {
  /** success_url with `{CHECKOUT_SESSION_ID}` replaced; absent when the payment did not go through. */
  redirectUrl?: string;
  subscriptionId?: string;
  customerId?: string;
  /** Why the session is still open: 'card_declined' or 'authentication_required'. */
  error?: string;
}
