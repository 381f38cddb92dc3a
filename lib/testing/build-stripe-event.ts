import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import { addInterval } from './billing-period';
import { buildPrice } from './objects/catalog.factory';
import { buildCheckoutSession } from './objects/checkout-session.factory';
import { buildCustomer } from './objects/customer.factory';
import { buildEvent } from './objects/event.factory';
import { buildInvoice, buildInvoiceLine } from './objects/invoice.factory';
import { buildSubscription, buildSubscriptionItem } from './objects/subscription.factory';
import { signStripePayload } from './sign-payload';

const rid = (prefix: string): string => `${prefix}${randomBytes(12).toString('hex')}`;

export interface StripeEventOverrides {
  id?: string;
  created?: number;
  previousAttributes?: Record<string, unknown>;
  request?: { id: string | null; idempotency_key: string | null };
  pendingWebhooks?: number;
}

/** A complete object of the event's kind, so a partial `object` gets Stripe's full shape. */
function defaultsFor(type: string, now: number): Record<string, unknown> | undefined {
  const customer = 'cus_test_default';
  if (type.startsWith('customer.subscription.')) {
    const id = rid('sub_');
    const price = buildPrice({ id: 'price_test_default', created: now, product: 'prod_test_default', unitAmount: 1000, currency: 'usd', interval: 'month' });
    const end = addInterval(now, 'month');
    const item = buildSubscriptionItem({ id: rid('si_'), subscription: id, created: now, price, quantity: 1, periodStart: now, periodEnd: end });
    const sub = buildSubscription({ id, created: now, customer, currency: 'usd', items: [item], status: 'active', trialStart: null, trialEnd: null, billingCycleAnchor: now, metadata: {} });
    return sub as unknown as Record<string, unknown>;
  }
  if (type.startsWith('invoice.')) {
    const id = rid('in_');
    const sub = rid('sub_');
    const end = addInterval(now, 'month');
    const line = buildInvoiceLine({ id: rid('il_'), invoice: id, amount: 1000, currency: 'usd', description: '1 × price_test_default', periodStart: now, periodEnd: end, quantity: 1, priceId: 'price_test_default', subscription: sub, subscriptionItem: rid('si_'), proration: false });
    const invoice = buildInvoice({ id, created: now, customer, customerEmail: null, customerName: null, currency: 'usd', subscription: sub, subscriptionMetadata: {}, billingReason: 'subscription_cycle', lines: [line], periodStart: now, periodEnd: end });
    return invoice as unknown as Record<string, unknown>;
  }
  if (type.startsWith('checkout.session.')) {
    const id = rid('cs_test_');
    const session = buildCheckoutSession({ id, created: now, expiresAt: now + 86_400, mode: 'subscription', customer, customerEmail: null, clientReferenceId: null, successUrl: 'https://example.com/success', cancelUrl: 'https://example.com/cancel', url: `https://checkout.stripe.com/c/pay/${id}`, currency: 'usd', amountSubtotal: 1000, amountTotal: 1000, metadata: {}, customerCreation: null });
    return session as unknown as Record<string, unknown>;
  }
  if (type.startsWith('customer.') && !type.startsWith('customer.subscription.')) {
    return buildCustomer({ id: rid('cus_'), created: now }) as unknown as Record<string, unknown>;
  }
  return undefined;
}

/**
 * A Stripe event of any type around `object`. For subscription, invoice, checkout.session and
 * customer events a partial object is completed with Stripe-shaped defaults.
 */
export function buildStripeEvent(type: string, object: object = {}, overrides: StripeEventOverrides = {}): Stripe.Event {
  const created = overrides.created ?? Math.floor(Date.now() / 1000);
  const defaults = defaultsFor(type, created);
  const full = defaults ? { ...defaults, ...object } : object;
  return buildEvent({
    id: overrides.id ?? rid('evt_'),
    type,
    created,
    object: full,
    previousAttributes: overrides.previousAttributes,
    requestId: overrides.request?.id ?? null,
    idempotencyKey: overrides.request?.idempotency_key ?? null,
    pendingWebhooks: overrides.pendingWebhooks ?? 1,
  });
}

export interface SignedWebhookRequest {
  body: string;
  headers: { 'stripe-signature': string; 'content-type': 'application/json' };
}

/** A webhook request as Stripe would send it: the exact body bytes and a matching signature. */
export function signedWebhookRequest(
  eventOrPayload: Stripe.Event | object | string,
  secret: string,
  options: { timestamp?: number } = {},
): SignedWebhookRequest {
  const body = typeof eventOrPayload === 'string' ? eventOrPayload : JSON.stringify(eventOrPayload, null, 2);
  return { body, headers: { 'stripe-signature': signStripePayload(body, secret, options.timestamp), 'content-type': 'application/json' } };
}
