import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type Stripe from 'stripe';
import { STRIPE_EVENT_HANDLER_KEY } from '../../payments.constants';
import { BILLING_EVENT_HANDLER_KEY } from './on-stripe-event.decorator';
import { BillingEvent, BillingEventHandlerFn, StripeEventHandlerFn, WebhookHandlerContext } from './webhook-handler.types';

/** Private token of the DiscoveryService instance the module builds for itself. */
export const PAYMENTS_DISCOVERY = 'PAYMENTS:DISCOVERY';

/**
 * The app's webhook handlers: `@OnStripeEvent` / `@OnBillingEvent` methods found on providers by
 * Nest's DiscoveryService, plus functions given to `registerWebhookHandler`. They add to the
 * built-in handling; the pipeline runs them inside the event's transaction, so a throw retries all.
 */
@Injectable()
export class WebhookHandlers implements OnModuleInit {
  private readonly logger = new Logger('Payments:Webhooks');
  private readonly stripeHandlers = new Map<string, StripeEventHandlerFn[]>();
  private readonly billingHandlers = new Map<string, BillingEventHandlerFn[]>();

  constructor(@Inject(PAYMENTS_DISCOVERY) private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const scanner = new MetadataScanner();
    const seen = new Set<object>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      // Request-scoped providers have no single instance to call; they cannot handle webhooks.
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic() || seen.has(instance)) continue;
      seen.add(instance);
      const prototype = Object.getPrototypeOf(instance);
      if (!prototype) continue;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const method = instance[name];
        if (typeof method !== 'function') continue;
        const stripeTypes: string[] | undefined = Reflect.getMetadata(STRIPE_EVENT_HANDLER_KEY, method);
        const billingTypes: string[] | undefined = Reflect.getMetadata(BILLING_EVENT_HANDLER_KEY, method);
        const bound = (method as (...args: unknown[]) => unknown).bind(instance);
        stripeTypes?.forEach((type) => add(this.stripeHandlers, type, bound));
        billingTypes?.forEach((type) => add(this.billingHandlers, type, bound));
      }
    }
  }

  /** Adds a handler for a Stripe event type (`'*'` for all); returns a function that removes it. */
  registerWebhookHandler(type: string, handler: StripeEventHandlerFn): () => void {
    add(this.stripeHandlers, type, handler);
    return () => remove(this.stripeHandlers, type, handler);
  }

  /** Adds a handler for a typed billing event (`'*'` for all); returns a function that removes it. */
  registerBillingEventHandler(type: BillingEvent['type'] | '*', handler: BillingEventHandlerFn): () => void {
    add(this.billingHandlers, type, handler);
    return () => remove(this.billingHandlers, type, handler);
  }

  /** True when an app handler runs for this Stripe event type, its own or a `'*'` one: the event is then processed, not ignored. */
  handlesStripeEvent(type: string): boolean {
    return (this.stripeHandlers.get(type)?.length ?? 0) > 0 || (this.stripeHandlers.get('*')?.length ?? 0) > 0;
  }

  /** Runs the Stripe-event handlers of the event's type, then the `'*'` ones, one after the other. */
  async dispatchStripeEvent(event: Stripe.Event, context: WebhookHandlerContext): Promise<void> {
    for (const handler of [...(this.stripeHandlers.get(event.type) ?? []), ...(this.stripeHandlers.get('*') ?? [])]) {
      await handler(event, context);
    }
  }

  /** Runs the typed billing-event handlers of the event's type, then the `'*'` ones. */
  async dispatchBillingEvent(event: BillingEvent, context: WebhookHandlerContext): Promise<void> {
    this.logger.debug(`${event.type} for billable ${event.billableId}`);
    for (const handler of [...(this.billingHandlers.get(event.type) ?? []), ...(this.billingHandlers.get('*') ?? [])]) {
      await handler(event, context);
    }
  }
}

function add<T>(map: Map<string, T[]>, type: string, handler: T): void {
  map.set(type, [...(map.get(type) ?? []), handler]);
}

function remove<T>(map: Map<string, T[]>, type: string, handler: T): void {
  map.set(type, (map.get(type) ?? []).filter((h) => h !== handler));
}
