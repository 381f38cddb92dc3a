import type Stripe from 'stripe';
import { signStripePayload } from '../../../lib/testing';
import { Harness } from './reliability-harness';

/** Events the fake emitted while `fn` ran, kept from delivery (the scenario delivers them itself). */
export async function undelivered(h: Harness, fn: () => Promise<unknown>): Promise<Stripe.Event[]> {
  const from = h.fake.events.length;
  h.fake.setDelivery({ drop: () => true });
  try {
    await fn();
  } finally {
    h.fake.setDelivery({ drop: undefined });
  }
  return h.fake.events.slice(from);
}

/** The webhook POST of an event, signed as Stripe signs it. */
export function signedRequest(h: Harness, event: Stripe.Event | string, options: { secret?: string; timestamp?: number } = {}) {
  const body = typeof event === 'string' ? event : JSON.stringify(event);
  const signature = signStripePayload(body, options.secret ?? h.fake.webhookSecret, options.timestamp);
  return { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body };
}

/** POSTs an event, signed as Stripe signs it, to one instance's webhook route. */
export function sendEvent(h: Harness, instance: number, event: Stripe.Event | string, options: { secret?: string; timestamp?: number } = {}) {
  return h.http.send(`${h.apps[instance % 2].url}/api/payments/webhook`, signedRequest(h, event, options));
}
