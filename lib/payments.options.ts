import type { ResolvedSeatsOptions, SeatsOptions } from './seats/seats.options';
import { CanActivate, Type } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type Stripe from 'stripe';
import type { MeteringOptions, ResolvedMeteringOptions } from './metering/metering.options';

/** The `stripe` SDK's constructor options (host, port, protocol, timeout, ...). */
export type StripeClientConfig = NonNullable<ConstructorParameters<typeof Stripe>[1]>;
import { PlansDefinition } from './plans/plan.types';
import type { AutoTopUpRule, ProductsDefinition } from './products/product.types';
import type { CheckoutParamsHook } from './billing/checkout-params';
import type { BillingActionName } from './teams/billing-action.decorator';
import type { CustomerDetails } from './teams/customer-details';

/** How access behaves while a subscription is `past_due`. */
export interface PastDuePolicy {
  /** 'grace': keep access for `graceDays` after the first failure (default); 'keep': until Stripe gives up; 'deny': cut at once. */
  access: 'grace' | 'keep' | 'deny';
  /** Days of access after a payment first fails, with `access: 'grace'`. Default 7. */
  graceDays?: number;
}

/** Where Stripe sends the customer back. Absolute URLs from configuration, never from the request. */
export interface RedirectUrls {
  /** After a paid checkout. `{CHECKOUT_SESSION_ID}` is filled in by Stripe. Required for checkout. */
  success: string;
  /** When the customer leaves checkout. Required for checkout. */
  cancel: string;
  /** Where the billing portal's "return" link goes. Required for the portal. */
  portalReturn: string;
  /** Extra origins a client may name in `successUrl`/`cancelUrl`/`returnUrl`. Default: only the origins above. */
  allowedOrigins?: string[];
}

/** Options of `PaymentsModule.forRoot`. Each field says its default. */
export interface PaymentsModuleOptions {
  /** Stripe secret key (`sk_...`). Required unless `stripeClient` is given. */
  secretKey?: string;
  /** An existing Stripe client to use instead of building one. */
  stripeClient?: Stripe;
  /** Extra Stripe client options, e.g. `{ host, port, protocol: 'http' }` to point at a FakeStripe. */
  stripeClientOptions?: StripeClientConfig;
  /** Request timeout for every Stripe call, in ms: a user waits on it. Default 8000. */
  stripeTimeoutMs?: number;
  /** Network retries for Stripe calls (safe: every POST carries an idempotency key). Default 2. */
  stripeMaxNetworkRetries?: number;
  /** Webhook signing secret(s) (`whsec_...`); several while rotating (one endpoint per mode). Required for the webhook route. */
  webhookSecret?: string | string[];
  /** Plan key -> plan, cheapest first (rank = order). Required. */
  plans: PlansDefinition;
  /** One-time products (credit packs, a plan for life) sold by `POST /checkout { product }`; see `defineProducts`. Default none. */
  products?: ProductsDefinition;
  /** Per metric: buy `product` off-session when its purchased credits fall below `below` (one purchase in flight at most). Default none. */
  autoTopUp?: Readonly<Record<string, AutoTopUpRule>>;
  /** The app's entity class built with `SubscriptionMixin` (User or Organization). Required. */
  billableEntity: Type<object>;
  /** Name of the TypeORM DataSource to use. Default: the default one. */
  dataSourceName?: string;
  /** Reads the billable's id from the request. Default: `req.user.id`, then `req.user.sub`. */
  getBillableId?: (request: any) => string | number | null | undefined;
  /** Guard for the module's own routes (all but plans and webhook). Default `AuthGuard('jwt')`; `null` for none. */
  authGuard?: Type<CanActivate> | CanActivate | null;
  /** Redirect URLs for checkout and the portal. */
  urls?: RedirectUrls;
  /** Trial rules. Trial days come from the plan (`trialDays`) and never from the client. */
  trial?: {
    /** A billable gets at most one trial ever. Default true. */
    oncePerBillable?: boolean;
    /** No trial for a card (Stripe's card fingerprint) that had one on another billable; a trial started with one is ended at once. Default false. */
    oncePerCard?: boolean;
    /** No trial for an e-mail (normalised: see docs/billing.md) that had one on another billable. Default false. */
    oncePerEmail?: boolean;
    /** What checkout does when `oncePerCard`/`oncePerEmail` finds a repeat: open without the trial, or refuse with 409 `trial_already_used`. Default 'without_trial'. */
    onRepeat?: 'without_trial' | 'refuse';
  };
  /** ISO currency for display when a price has none. Default 'usd'. */
  currency?: string;
  /** Route of the module's controllers, under the app's global prefix. Default 'payments'. */
  routePath?: string;
  /** Count and enforce `@TrackUsage` limits. Default true. */
  usageTracking?: boolean;
  /** Access while `past_due`. Default `{ access: 'grace', graceDays: 7 }`. */
  pastDue?: PastDuePolicy;
  /** When a downgrade takes effect. Default 'period_end'. */
  downgrade?: 'period_end' | 'immediately';
  /** Allow `POST /cancel` with `{ immediately: true }`. Default false. */
  allowImmediateCancel?: boolean;
  /** Webhook limits. */
  webhook?: {
    /** Largest accepted body in bytes; bigger answers 413 before any hashing. Default 1 MiB. */
    maxBodyBytes?: number;
    /** Largest accepted age of a signature timestamp, in seconds (also the allowed future skew). Default 300. */
    toleranceSeconds?: number;
    /** Process events of both modes; by default an event whose `livemode` differs from `secretKey`'s mode is acknowledged and ignored. Default false. */
    acceptBothModes?: boolean;
    /**
     * `'queued'`: the route answers 2xx once the verified event is committed (stored, not yet applied),
     * and the work queue's workers process it (retries with backoff, then `failed`). `'inline'`: the
     * route processes the event (re-fetch, apply) before answering, 5xx on failure so Stripe retries.
     * Default 'queued'.
     */
    processing?: WebhookProcessingMode;
  };
  /** How long a billable's state is cached in-process for the guards, in ms. Default 5000; 0 disables. */
  entitlementsCacheTtlMs?: number;
  /** How long one intent keeps the same Stripe idempotency key, in seconds. Default 600. */
  idempotencyWindowSeconds?: number;
  /**
   * Cross-instance channel that drops cached entitlements on every instance when one writes a
   * billable: `'postgres'` (LISTEN/NOTIFY on the module's PostgreSQL DataSource), a
   * `RedisEntitlementsChannel`, or your own. Default none (the TTL bounds staleness).
   */
  entitlementsChannel?: EntitlementsChannel | 'postgres';
  /** A subclass of `AccessGuard` (overriding its protected hooks) used by `@RequiresPlan/@RequiresFeature/@RequiresActiveSubscription`. Default `AccessGuard`. */
  accessGuard?: Type<CanActivate>;
  /** The clock of access decisions and usage periods. Default `() => new Date()`; tests pass a fake clock. */
  now?: () => Date;
  /** How `@TrackUsage` and `UsageService` honour idempotency keys (window, in-flight wait, replay size). */
  usageIdempotency?: UsageIdempotencyOptions;
  /** Pruning of processed webhook inbox rows and old usage records, on every instance and by `npx nestjs-headless-payments prune`. */
  retention?: RetentionOptions;
  /** Usage billing through Stripe Billing Meters (plans' `metered` metrics): window length, grace, reporter. Default `{ windowMinutes: 60, graceSeconds: 60 }`. */
  metering?: MeteringOptions;
  /** Per-billable budget of Stripe calls on the module's routes that call Stripe (429 `too_many_requests` beyond it); `false` turns it off. Default `{ limit: 60, ttlMs: 60000 }`, in memory per instance. */
  stripeCallBudget?: StripeCallBudget | false;

  // Checkout options (issue 15).
  /**
   * Extra Checkout Session parameters per checkout, decided on the server: promotion codes, tax,
   * tax ids, address collection, locale, custom text, consent, customer updates. Any other key
   * (price, customer, mode, trial, redirects, references) stops the checkout with 500
   * `checkout_params_invalid`, logged once per key. Default none.
   */
  checkoutParams?: CheckoutParamsHook;
  /** Accept a `promotionCode` on `POST /checkout` and `POST /upgrade`, looked up at Stripe (unknown or inactive: 400 `promotion_code_invalid`). Default false. */
  allowPromotionCodes?: boolean;
  // Organisations and roles (issue 13).
  /**
   * Whether the signed-in caller may do `action` to `billableId` (its own, from getBillableId): only
   * `true` allows, anything else is 403 `billing_forbidden`; a throw is a 500. May be async. Asked once
   * per billing route, before any Stripe call. Default: always `true` (the billable is the caller's own).
   */
  authorizeBilling?: (request: any, action: BillingActionName, billableId: string) => boolean | Promise<boolean>;
  /** The payer's e-mail, name, address and metadata for the Stripe customer the module creates for a billable. Default: the billable row's `email`. */
  customerDetails?: (billableId: string) => CustomerDetails | null | undefined | Promise<CustomerDetails | null | undefined>;
  // The shared work queue (issue 12, GUIDE §5).
  /** Workers of the durable work queue (webhook events, seat syncs, meter reports) on this instance. Defaults below. */
  queue?: WorkQueueOptions;
  /** Seat changes (coalescing window, proration policy per interval) and the acting member. Default: see SeatsOptions. */
  seats?: SeatsOptions;
}

/** The durable work queue's workers on this instance (the table is shared by every instance). */
export interface WorkQueueOptions {
  /** Run workers on this instance; `false` for instances that only enqueue (a dedicated worker process runs them). Default true. */
  workers?: boolean;
  /**
   * Items this instance runs at once. A run holds no connection while its handler waits on Stripe,
   * so this may exceed the pool: with Stripe answering in 100 ms, 10 runs drain at most 100 events a
   * second. Default 10.
   */
  concurrency?: number;
  /**
   * Connections the runs' transactions and writes may hold at once, so that a draining backlog never
   * takes the whole pool from the app's requests on this instance. Default half the DataSource's
   * pool (at least 1); set it to the pool size on an instance that only runs workers.
   */
  maxConnections?: number;
  /**
   * While HTTP requests keep this process's event loop busy (over 80% of the last 100 ms), start
   * fewer runs (halving, down to one) so a backlog drains from the capacity the requests leave instead
   * of slowing every route; one more per 100 ms while requests leave the loop room, twice as many
   * per 100 ms when no request arrives (back to `concurrency` within 0.7 s). `false` always runs
   * `concurrency` (e.g. an instance that only runs workers). Default true.
   */
  yieldToRequests?: boolean;
  /** How often idle workers look for due items when no wake-up arrives (retries, other instances without a channel), in ms. Default 1000. */
  pollIntervalMs?: number;
  /** A running item's lease, renewed every third of it while its handler runs; a killed instance's items are taken over after it. Default 15000, at least 500. */
  leaseMs?: number;
  /** First retry delay after a failure, doubled each attempt (with jitter), in ms. Default 1000. */
  retryBaseMs?: number;
  /** Longest retry delay, in ms. Default 300000 (5 min). */
  retryMaxMs?: number;
  /** On shutdown, how long in-flight items may finish before they are released to other instances, in ms. Default 5000. */
  shutdownGraceMs?: number;
  /**
   * How other instances learn that work was enqueued: `'postgres'` (LISTEN/NOTIFY, one extra
   * connection per instance), a channel object (e.g. a `RedisEntitlementsChannel` on its own
   * channel name), or `false` (polling only). Default `'postgres'` on PostgreSQL, else polling.
   */
  wakeChannel?: EntitlementsChannel | 'postgres' | false;
}

/** Where a webhook event is processed: in the request (`'inline'`) or by the work queue's workers after a 2xx (`'queued'`). */
export type WebhookProcessingMode = 'inline' | 'queued';

/** Idempotency keys of metered uses, as Stripe does for its own keys. */
export interface UsageIdempotencyOptions {
  /** Seconds a key is honoured (replayed) after it was counted; after that it counts as new. Default 86400 (24 h, Stripe's). */
  windowSeconds?: number;
  /** How long a repeat waits for the first request with its key to finish before 409 `idempotency_key_in_use`, in ms. Default 1000. */
  inFlightWaitMs?: number;
  /** Largest JSON body (bytes) stored for replay; a bigger or non-JSON answer is counted but not replayed. Default 16384, at most 65000. */
  maxStoredResponseBytes?: number;
}

/** Retention of the module's bookkeeping rows. */
export interface RetentionOptions {
  /** Days a processed (or ignored) webhook inbox row is kept; failed and pending rows are never pruned. Default 30, at least 3. */
  webhookEventsDays?: number;
  /** Days a usage record (idempotency key) is kept; never pruned inside its idempotency window. Default 30. */
  usageRecordsDays?: number;
  /** How often each instance prunes, in ms; 0 turns the job off (the CLI still prunes). Default 3600000 (1 h). */
  intervalMs?: number;
  /** Rows deleted per statement. Default 1000. */
  batchSize?: number;
  /** Days a `done` work queue item is kept (enqueueing the same work again makes a new one); failed and pending items are never pruned. Default 7. */
  workItemsDays?: number;
}

/** How many Stripe calls one billable may cause through the module's routes, counted by a @nestjs/throttler storage. */
export interface StripeCallBudget {
  /** Stripe calls per billable per window; each route is charged the most calls it can make. Default 60. */
  limit?: number;
  /** The sliding window, in ms. Default 60000. */
  ttlMs?: number;
  /** Where calls are counted: the app's `ThrottlerStorage` (e.g. a Redis one) gives one budget across instances. Default: in memory, per instance. */
  storage?: ThrottlerStorage;
}

/** A pub/sub channel (Redis, NATS, Postgres LISTEN/NOTIFY...) carrying ids of billables whose billing state changed. */
export interface EntitlementsChannel {
  /** Announces that a billable's state changed on this instance. */
  publish(billableId: string): void | Promise<void>;
  /**
   * Calls `listener` for ids published by any instance, and `onReset` when messages may have been
   * lost (a reconnection), so every cached state is dropped. May return an unsubscribe function.
   */
  subscribe(listener: (billableId: string) => void, onReset?: () => void): void | (() => void) | Promise<void | (() => void)>;
}

/** The options after validation, with every default filled in. */
export interface ResolvedPaymentsOptions extends PaymentsModuleOptions {
  webhookSecrets: string[];
  stripeTimeoutMs: number;
  stripeMaxNetworkRetries: number;
  currency: string;
  routePath: string;
  usageTracking: boolean;
  pastDue: Required<PastDuePolicy>;
  downgrade: 'period_end' | 'immediately';
  allowImmediateCancel: boolean;
  trial: { oncePerBillable: boolean; oncePerCard: boolean; oncePerEmail: boolean; onRepeat: 'without_trial' | 'refuse' };
  webhook: { maxBodyBytes: number; toleranceSeconds: number; acceptBothModes: boolean; processing: WebhookProcessingMode };
  entitlementsCacheTtlMs: number;
  idempotencyWindowSeconds: number;
  getBillableId: (request: any) => string | number | null | undefined;
  now: () => Date;
  usageIdempotency: Required<UsageIdempotencyOptions>;
  metering: ResolvedMeteringOptions;
  retention: Required<RetentionOptions>;
  stripeCallBudget: { limit: number; ttlMs: number; storage?: ThrottlerStorage } | false;
  authorizeBilling: NonNullable<PaymentsModuleOptions['authorizeBilling']>;
  /** `maxConnections` stays unset until the DataSource's pool is known (PaymentsTransactions). */
  queue: Required<Omit<WorkQueueOptions, 'wakeChannel' | 'maxConnections'>> & { maxConnections?: number; wakeChannel?: EntitlementsChannel | 'postgres' | false };
  seats: ResolvedSeatsOptions;
}
