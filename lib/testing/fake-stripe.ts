import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { pauseSubscriptionNow, payInvoiceNow, setCustomerCard } from './account-helpers';
import { ApiRouter } from './api-router';
import { assertModelledVersion, CURRENT_API_VERSION } from './api-versions';
import { CheckoutFlow } from './checkout.flow';
import { ClockRunner } from './clock.runner';
import { FakeContext, previousAttributes, RequestOrigin } from './fake-context';
import { FakeHttpServer } from './fake-http.server';
import { FakeStore, MeterEventRecord } from './fake-store';
import { accountEvents, FakeStripeState, stateView } from './fake-state';
import {
  CompleteCheckoutOptions, CompleteCheckoutResult, DeliveryRecord, DeliverySettings, FakeStripeOptions,
  PriceSpec, RecordedRequest, ResolvedOptions, TestCard, WebhookEndpointOptions,
} from './fake-stripe.types';
import { FaultInjector } from './fault-injector';
import { HostedPages } from './hosted-pages';
import { acceptedMeterEvents, createTestMeter, meterTotal } from './meter-helpers';
import { buildEvent } from './objects/event.factory';
import { billingRoutes } from './routes/billing.routes';
import { catalogRoutes, createPrice } from './routes/catalog.routes';
import { checkoutRoutes } from './routes/checkout.routes';
import { customerRoutes } from './routes/customers.routes';
import { invoiceAndEventRoutes } from './routes/invoices-events.routes';
import { paymentMethodRoutes } from './routes/payment-methods.routes';
import { paymentRoutes } from './routes/payments.routes';
import { promotionRoutes } from './routes/promotions.routes';
import { subscriptionScheduleRoutes } from './routes/subscription-schedules.routes';
import { subscriptionRoutes } from './routes/subscriptions.routes';
import { testClockRoutes } from './routes/test-clocks.routes';
import { thinEventRoutes, webhookEndpointRoutes } from './routes/webhook-endpoints.routes';
import { SeededRandom } from './seeded-random';
import { missing } from './stripe-api.error';
import { SubscriptionEngine } from './subscription.engine';
import { ScheduleEngine } from './subscription-schedule.engine';
import { SubscriptionUpdater } from './subscription-update';
import { REALISTIC_DELIVERY, WebhookDeliverer } from './webhook-deliverer';

export type { FakeStripeState } from './fake-state';

/**
 * A stateful Stripe on 127.0.0.1 for tests: the real `stripe` SDK talks to it over HTTP, it keeps
 * customers, subscriptions and invoices, signs and delivers webhooks, runs a test clock, and
 * injects faults on demand.
 */
export class FakeStripe {
  readonly seed: number;
  readonly secretKey: string;
  readonly webhookSecret: string;
  readonly faults = new FaultInjector();
  private settlers: (() => Promise<unknown>)[] = [];
  port = 0;

  private readonly store = new FakeStore();
  private readonly random: SeededRandom;
  private readonly ctx: FakeContext;
  private readonly deliverer: WebhookDeliverer;
  private readonly engine: SubscriptionEngine;
  private readonly checkout: CheckoutFlow;
  private readonly clock: ClockRunner;
  private readonly http: FakeHttpServer;

  private constructor(options: FakeStripeOptions) {
    this.seed = options.seed ?? randomBytes(4).readUInt32BE(0);
    this.random = new SeededRandom(this.seed);
    const resolved: ResolvedOptions = {
      seed: this.seed,
      apiVersion: assertModelledVersion(options.apiVersion ?? CURRENT_API_VERSION),
      webhookSecret: options.webhookSecret ?? `whsec_fake_${this.random.token(24)}`,
      logger: options.logger ?? (() => undefined),
      paymentRetryDays: options.paymentRetryDays ?? [3, 5, 7],
      afterRetriesExhausted: options.afterRetriesExhausted ?? 'cancel',
      portalCancelMode: options.portalCancelMode ?? 'at_period_end',
    };
    this.webhookSecret = resolved.webhookSecret;
    this.secretKey = `sk_test_fake_${this.random.token(24)}`;
    this.deliverer = new WebhookDeliverer(this.random, resolved.logger, options.retryScheduleMs, options.deliveryTimeoutMs ?? 5000, resolved.apiVersion);
    if (options.realisticDelivery) this.deliverer.configure(REALISTIC_DELIVERY);
    const self = this;
    const ctx: FakeContext = {
      store: this.store,
      random: this.random,
      options: resolved,
      origin: { id: null, idempotencyKey: null } as RequestOrigin,
      now: () => self.clock.now(),
      id: (prefix, length = 24) => `${prefix}${self.random.token(length)}`,
      emit: (type, object, previous) => self.emit(type, object, previous),
      cardFor: (customerId) => self.faults.takeDecline() ?? self.store.cards.get(customerId) ?? 'success',
      baseUrl: () => self.url,
    };
    this.ctx = ctx;
    this.engine = new SubscriptionEngine(ctx);
    const updater = new SubscriptionUpdater(ctx, this.engine);
    this.checkout = new CheckoutFlow(ctx, this.engine);
    const schedules = new ScheduleEngine(ctx, this.engine);
    this.clock = new ClockRunner(ctx, this.engine, this.checkout, schedules, options.startTime ?? Math.floor(Date.now() / 1000));
    const router = new ApiRouter(ctx);
    customerRoutes(router, this.engine);
    catalogRoutes(router);
    checkoutRoutes(router, this.checkout);
    subscriptionRoutes(router, this.engine, updater);
    subscriptionScheduleRoutes(router, schedules);
    invoiceAndEventRoutes(router, this.engine, updater);
    promotionRoutes(router);
    paymentMethodRoutes(router);
    paymentRoutes(router, this.checkout.payments);
    billingRoutes(router);
    testClockRoutes(router, (time) => this.clock.advanceTo(time));
    thinEventRoutes(router, this.store, this.deliverer);
    webhookEndpointRoutes(router, () => this.deliverer.endpoints);
    this.http = new FakeHttpServer(ctx, router, this.faults, new HostedPages(ctx, this.checkout, updater));
    if (options.apiLatencyMs) this.faults.setLatency(options.apiLatencyMs);
    resolved.logger(`FakeStripe seed=${this.seed}`);
  }

  /** Starts the fake on 127.0.0.1, on `options.port` or else a free port. */
  static async start(options: FakeStripeOptions = {}): Promise<FakeStripe> {
    const fake = new FakeStripe(options);
    fake.port = await fake.http.listen(options.port ?? 0);
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Spread into `new Stripe(key, { ...fake.stripeConfig() })`. */
  stripeConfig(): { host: '127.0.0.1'; port: number; protocol: 'http' } {
    return { host: '127.0.0.1', port: this.port, protocol: 'http' };
  }

  /** A real SDK instance pointed at the fake; `maxNetworkRetries` defaults to 0. */
  client(options: Stripe.StripeConfig = {}): Stripe {
    return new Stripe(this.secretKey, { maxNetworkRetries: 0, ...options, ...this.stripeConfig() });
  }

  /** The test clock, in unix seconds. */
  now(): number {
    return this.clock.now();
  }

  /** Moves the clock, running renewals, trial ends, payment retries and expiries in order. */
  async advanceTime(seconds: number): Promise<void> {
    this.clock.advanceTo(this.clock.now() + seconds);
  }

  createPrice(spec: PriceSpec): Stripe.Price {
    return structuredClone(createPrice(this.ctx, spec));
  }

  /**
   * Registers an endpoint (an event destination) the fake delivers every event to: its own API
   * version for snapshot events (null: the account's), thin payloads, and what `webhookEndpoints.list`
   * shows of it (`enabledEvents`, default ['*']).
   */
  addWebhookEndpoint(url: string, secret: string = this.webhookSecret, options: WebhookEndpointOptions = {}): { id: string; secret: string } {
    const apiVersion = options.apiVersion == null ? null : assertModelledVersion(options.apiVersion);
    const endpoint = { id: this.ctx.id('we_'), url, secret, apiVersion, payload: options.payload ?? 'snapshot', enabledEvents: options.enabledEvents, created: this.clock.now() };
    this.deliverer.endpoints.push(endpoint);
    return { id: endpoint.id, secret };
  }

  /** Programmatic twin of paying on the hosted checkout page. */
  async completeCheckout(sessionId: string, options: CompleteCheckoutOptions = {}): Promise<CompleteCheckoutResult> {
    return this.checkout.complete(sessionId, options);
  }

  /** A delayed payment (`completeCheckout(id, { asyncPayment: true })`) succeeds: the session is paid, `checkout.session.async_payment_succeeded` is sent. */
  settleAsyncPayment(sessionId: string): Stripe.Checkout.Session {
    return structuredClone(this.checkout.settleAsyncPayment(sessionId));
  }

  /** Sets the card a customer's future payments use. */
  setCustomerCard(customerId: string, card: TestCard): void {
    setCustomerCard(this.ctx, customerId, card);
  }

  /** Pays an open invoice now (optionally with another card), like `stripe.invoices.pay`. */
  async payInvoice(invoiceId: string, options: { card?: TestCard } = {}): Promise<Stripe.Invoice> {
    return payInvoiceNow(this.ctx, this.engine, invoiceId, options.card);
  }

  /** Puts a subscription in `paused` (as a trial ending without a payment method would). */
  pauseSubscription(subscriptionId: string): void {
    pauseSubscriptionNow(this.ctx, subscriptionId);
  }

  /** Creates an active `sum` meter for `eventName` (customer in `stripe_customer_id`, value in `value`), like `stripe.billing.meters.create`. */
  createMeter(eventName: string, displayName = eventName): Stripe.Billing.Meter {
    return createTestMeter(this.ctx, eventName, displayName);
  }

  /** Every accepted meter event (identifier, customer, value, timestamp), oldest first. */
  meterEvents(): readonly MeterEventRecord[] {
    return acceptedMeterEvents(this.ctx);
  }

  /** Sum of meter event values for a customer and event name. */
  meterTotals(customerId: string, eventName: string): number {
    return meterTotal(this.ctx, customerId, eventName);
  }

  /** Every event so far, in the account's API version. */
  get events(): readonly Stripe.Event[] {
    return accountEvents(this.ctx);
  }

  get requests(): readonly RecordedRequest[] {
    return this.http.requests;
  }

  get deliveries(): readonly DeliveryRecord[] {
    return this.deliverer.deliveries;
  }

  get state(): FakeStripeState {
    return stateView(this.store);
  }

  /**
   * Delivers as Stripe may: a seeded shuffle, some duplicates, small delays, two in flight (the
   * `realisticDelivery` option, switched on later). The `seed` fixes the random choices.
   */
  useRealisticDelivery(): void {
    this.deliverer.configure(REALISTIC_DELIVERY);
  }

  setDelivery(settings: DeliverySettings): void {
    this.deliverer.configure(settings);
  }

  redeliver(eventId: string): void {
    const event = this.store.events.find((e) => e.id === eventId);
    if (!event) throw missing('event', eventId);
    this.deliverer.redeliver(event);
  }

  pauseDeliveries(): void {
    this.deliverer.pause();
  }

  resumeDeliveries(): void {
    this.deliverer.resume();
  }

  /**
   * Resolves once every queued delivery got a 2xx or ran out of retries, and every app that
   * registered a settler (`addSettler`: an app in queued webhook mode) has processed what it took.
   */
  async waitForDeliveries(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.deliverer.waitForIdle(Math.max(1, deadline - Date.now()));
      for (const settle of this.settlers) await settle();
      // Processing may have made Stripe calls that emitted events: deliver those too.
      if (this.deliverer.isIdle()) return;
    }
  }

  /**
   * Adds work `waitForDeliveries` waits for after the deliveries, e.g. an app's
   * `drainWebhooks()` in queued webhook mode (the test helpers add it); returns a remover.
   */
  addSettler(settle: () => Promise<unknown>): () => void {
    this.settlers.push(settle);
    return () => {
      this.settlers = this.settlers.filter((s) => s !== settle);
    };
  }

  async stop(): Promise<void> {
    this.deliverer.stop();
    await this.http.close();
  }

  private emit(type: string, object: object, previous?: object): Stripe.Event {
    const event = buildEvent({
      id: this.ctx.id('evt_'),
      type,
      created: this.clock.now(),
      object,
      previousAttributes: previous ? previousAttributes(previous, object) : undefined,
      requestId: this.ctx.origin.id,
      idempotencyKey: this.ctx.origin.idempotencyKey,
      pendingWebhooks: this.deliverer.endpoints.length,
    });
    this.store.events.push(event);
    this.deliverer.enqueue(event);
    return event;
  }
}
