import type Stripe from 'stripe';
import { FakeContext } from './fake-context';
import { TestCard } from './fake-stripe.types';
import { buildInvoice, buildInvoiceLine } from './objects/invoice.factory';
import { applyTaxAndDiscounts, spendDiscounts } from './tax-and-discounts';

export interface LineSpec {
  amount: number;
  description: string;
  priceId: string;
  itemId: string | null;
  quantity: number;
  proration: boolean;
  periodStart: number;
  periodEnd: number;
}

export type PaymentOutcome = 'paid' | 'declined' | 'requires_action';

/** Creates a draft invoice for a subscription and emits `invoice.created`. */
export function createInvoice(
  ctx: FakeContext,
  sub: Stripe.Subscription,
  reason: Stripe.Invoice.BillingReason,
  lines: LineSpec[],
): Stripe.Invoice {
  const id = ctx.id('in_');
  const invoice = subscriptionInvoice(ctx, sub, reason, lines, id);
  spendDiscounts(ctx, invoice, sub);
  ctx.store.invoices.set(id, invoice);
  sub.latest_invoice = id;
  ctx.emit('invoice.created', invoice);
  return invoice;
}

/** A subscription's invoice with these lines, neither stored nor announced (previews use it as is). */
export function subscriptionInvoice(ctx: FakeContext, sub: Stripe.Subscription, reason: Stripe.Invoice.BillingReason, lines: LineSpec[], id: string): Stripe.Invoice {
  const customer = ctx.store.customer(sub.customer as string);
  const invoice = buildInvoice({
    id,
    created: ctx.now(),
    customer: sub.customer as string,
    customerEmail: customer?.email ?? null,
    customerName: customer?.name ?? null,
    currency: sub.currency,
    subscription: sub.id,
    subscriptionMetadata: { ...sub.metadata },
    billingReason: reason,
    periodStart: lines.length > 0 ? Math.min(...lines.map((l) => l.periodStart)) : ctx.now(),
    periodEnd: lines.length > 0 ? Math.max(...lines.map((l) => l.periodEnd)) : ctx.now(),
    lines: lines.map((l) =>
      buildInvoiceLine({
        id: ctx.id('il_'),
        invoice: id,
        amount: l.amount,
        currency: sub.currency,
        description: l.description,
        periodStart: l.periodStart,
        periodEnd: l.periodEnd,
        quantity: l.quantity,
        priceId: l.priceId,
        subscription: sub.id,
        subscriptionItem: l.itemId,
        proration: l.proration,
      }),
    ),
  });
  applyTaxAndDiscounts(ctx, invoice, sub);
  return invoice;
}

/** draft -> open, with a number, as Stripe does about an hour after creation (immediately here). */
export function finalizeInvoice(ctx: FakeContext, invoice: Stripe.Invoice): void {
  if (invoice.status !== 'draft') return;
  const customer = ctx.store.customer(invoice.customer as string);
  const seq = customer ? customer.next_invoice_sequence ?? 1 : 1;
  if (customer) customer.next_invoice_sequence = seq + 1;
  invoice.status = 'open';
  invoice.number = `${customer?.invoice_prefix ?? 'FAKE'}-${String(seq).padStart(4, '0')}`;
  invoice.effective_at = ctx.now();
  invoice.status_transitions.finalized_at = ctx.now();
  invoice.hosted_invoice_url = `${ctx.baseUrl()}/invoice/${invoice.id}`;
  invoice.invoice_pdf = `${ctx.baseUrl()}/invoice/${invoice.id}/pdf`;
  ctx.emit('invoice.finalized', invoice);
}

/** Charges an open invoice with the given card and emits Stripe's outcome events. */
export function attemptPayment(ctx: FakeContext, invoice: Stripe.Invoice, card?: TestCard): PaymentOutcome {
  if (invoice.status === 'paid') return 'paid';
  if (invoice.amount_due <= 0) {
    markPaid(ctx, invoice);
    return 'paid';
  }
  const used = card ?? ctx.cardFor(invoice.customer as string);
  invoice.attempt_count += 1;
  invoice.attempted = true;
  if (used === 'success') {
    markPaid(ctx, invoice);
    return 'paid';
  }
  const extras = ctx.store.invExtras(invoice.id as string);
  extras.failures += 1;
  extras.firstFailedAt ??= ctx.now();
  invoice.next_payment_attempt = null;
  ctx.emit('invoice.payment_failed', invoice);
  if (used === 'requires_action') {
    ctx.emit('invoice.payment_action_required', invoice);
    return 'requires_action';
  }
  return 'declined';
}

function markPaid(ctx: FakeContext, invoice: Stripe.Invoice): void {
  invoice.status = 'paid';
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.next_payment_attempt = null;
  invoice.status_transitions.paid_at = ctx.now();
  if (invoice.amount_due > 0) invoice.attempted = true;
  ctx.emit('invoice.paid', invoice);
  ctx.emit('invoice.payment_succeeded', invoice);
}

/** Schedules the next smart retry after a failed renewal, or returns false when retries are exhausted. */
export function scheduleRetry(ctx: FakeContext, invoice: Stripe.Invoice): boolean {
  const extras = ctx.store.invExtras(invoice.id as string);
  const days = ctx.options.paymentRetryDays;
  if (extras.failures > days.length) {
    invoice.next_payment_attempt = null;
    return false;
  }
  invoice.next_payment_attempt = (extras.firstFailedAt ?? ctx.now()) + days[extras.failures - 1] * 86_400;
  return true;
}

export function voidInvoice(ctx: FakeContext, invoice: Stripe.Invoice): void {
  if (invoice.status !== 'open' && invoice.status !== 'draft') return;
  invoice.status = 'void';
  invoice.next_payment_attempt = null;
  invoice.status_transitions.voided_at = ctx.now();
  ctx.emit('invoice.voided', invoice);
}
