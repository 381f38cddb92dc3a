import type Stripe from 'stripe';
import { FakeContext } from './fake-context';
import { TestCard } from './fake-stripe.types';
import { missing } from './stripe-api.error';
import { SubscriptionEngine } from './subscription.engine';

// Changes a test makes to the account directly, without going through the fake's HTTP API.

/** Sets the card a customer's future payments use. */
export function setCustomerCard(ctx: FakeContext, customerId: string, card: TestCard): void {
  if (!ctx.store.customers.has(customerId)) throw missing('customer', customerId);
  ctx.store.cards.set(customerId, card);
}

/** Pays an open invoice now, optionally with (and from then on keeping) another card. */
export function payInvoiceNow(ctx: FakeContext, engine: SubscriptionEngine, invoiceId: string, card?: TestCard): Stripe.Invoice {
  const invoice = ctx.store.invoices.get(invoiceId);
  if (!invoice) throw missing('invoice', invoiceId);
  if (card) ctx.store.cards.set(invoice.customer as string, card);
  engine.pay(invoice, card);
  return structuredClone(invoice);
}

/** Puts a subscription in `paused`, sending the events a trial ending without a payment method would. */
export function pauseSubscriptionNow(ctx: FakeContext, subscriptionId: string): void {
  const sub = ctx.store.subscriptions.get(subscriptionId);
  if (!sub) throw missing('subscription', subscriptionId);
  const before = structuredClone(sub);
  sub.status = 'paused';
  ctx.emit('customer.subscription.paused', sub);
  ctx.emit('customer.subscription.updated', sub, before);
}
