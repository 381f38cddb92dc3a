import type Stripe from 'stripe';
import { FakeContext } from './fake-context';
import { finalizeInvoice } from './invoicing';
import { priceAmount } from './objects/catalog.factory';
import { buildInvoice, buildInvoiceLine } from './objects/invoice.factory';
import { automaticTaxField, taxLine } from './tax-and-discounts';

/**
 * The post-payment invoice of a payment-mode Checkout Session created with
 * `invoice_creation.enabled`: Stripe issues it once the payment succeeds, already paid, with a
 * number, a hosted page and a PDF, and links it from `session.invoice`. Its lines are invoice
 * items (no subscription parent) and its billing reason is `manual`, as on Stripe.
 */
export function createPaymentInvoice(ctx: FakeContext, session: Stripe.Checkout.Session, paymentIntent: string): Stripe.Invoice | null {
  const extras = ctx.store.sessionExtras.get(session.id);
  if (!extras?.invoiceCreation || !session.customer || session.invoice) return null;
  const customerId = session.customer as string;
  const customer = ctx.store.customer(customerId);
  const id = ctx.id('in_');
  const currency = session.currency ?? 'usd';
  const now = ctx.now();
  const lines = extras.lines.map((l) => {
    const price = ctx.store.prices.get(l.price) as Stripe.Price;
    const product = ctx.store.products.get(price.product as string);
    const line = buildInvoiceLine({
      id: ctx.id('il_'), invoice: id, amount: priceAmount(price, l.quantity), currency, description: `${l.quantity} × ${product?.name ?? price.id}`,
      periodStart: now, periodEnd: now, quantity: l.quantity, priceId: price.id, subscription: null, subscriptionItem: null, proration: false,
    });
    Object.assign(line, { parent: { type: 'invoice_item_details', invoice_item_details: { invoice_item: ctx.id('ii_'), proration: false, proration_details: { credited_items: null }, subscription: null }, subscription_item_details: null } });
    return line;
  });
  const invoice = buildInvoice({
    id, created: now, customer: customerId, customerEmail: customer?.email ?? null, customerName: customer?.name ?? null, currency,
    subscription: null, subscriptionMetadata: null, billingReason: 'manual', lines, periodStart: now, periodEnd: now,
  });
  // What the customer paid at checkout, discounts and tax included: the invoice restates it
  // (the session's discount is in the totals only, not itemised per coupon).
  const paid = session.amount_total ?? invoice.total;
  const tax = session.total_details?.amount_tax ?? 0;
  const taxed = session.automatic_tax?.enabled === true;
  Object.assign(invoice, {
    total_excluding_tax: paid - tax, total_taxes: taxed ? [taxLine(tax, paid - tax)] : [], automatic_tax: automaticTaxField(taxed, 'invoice'),
    metadata: { ...extras.invoiceCreation.metadata },
    description: extras.invoiceCreation.description,
    total: paid, amount_due: paid, amount_paid: paid, amount_remaining: 0, attempted: true, attempt_count: 0, auto_advance: false,
    payments: { object: 'list', data: [{ payment: { type: 'payment_intent', payment_intent: paymentIntent } }], has_more: false },
  });
  ctx.store.invoices.set(id, invoice);
  ctx.emit('invoice.created', invoice);
  finalizeInvoice(ctx, invoice);
  invoice.status = 'paid';
  invoice.status_transitions.paid_at = now;
  ctx.emit('invoice.paid', invoice);
  ctx.emit('invoice.payment_succeeded', invoice);
  session.invoice = id;
  return invoice;
}
