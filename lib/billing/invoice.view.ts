import type Stripe from 'stripe';

/** One invoice as the billing routes answer it: Stripe's figures in the smallest currency unit. */
export interface InvoiceView {
  id: string;
  number: string | null;
  status: string | null;
  total: number;
  amountPaid: number;
  amountDue: number;
  currency: string;
  periodStart: number;
  periodEnd: number;
  created: number;
  hostedInvoiceUrl: string | null;
  invoicePdf: string | null;
}

/** One line of an invoice preview. */
export interface InvoiceLineView {
  description: string | null;
  amount: number;
  proration: boolean;
  periodStart: number;
  periodEnd: number;
}

/** The next invoice (or a plan change's proration), previewed at Stripe without creating anything. */
export interface InvoicePreviewView {
  amountDue: number;
  total: number;
  currency: string;
  periodStart: number;
  periodEnd: number;
  lines: InvoiceLineView[];
}

/** Only the listed fields: a Stripe invoice carries customer addresses and payment details a client must not get. */
export function invoiceView(invoice: Stripe.Invoice): InvoiceView {
  return {
    id: invoice.id as string,
    number: invoice.number ?? null,
    status: invoice.status ?? null,
    total: invoice.total,
    amountPaid: invoice.amount_paid,
    amountDue: invoice.amount_due,
    currency: invoice.currency,
    periodStart: invoice.period_start,
    periodEnd: invoice.period_end,
    created: invoice.created,
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
    invoicePdf: invoice.invoice_pdf ?? null,
  };
}

/** A preview's totals and lines (a preview has no id, number or payment links). */
export function invoicePreviewView(invoice: Stripe.Invoice): InvoicePreviewView {
  return {
    amountDue: invoice.amount_due,
    total: invoice.total,
    currency: invoice.currency,
    periodStart: invoice.period_start,
    periodEnd: invoice.period_end,
    lines: invoice.lines.data.map((line) => ({
      description: line.description ?? null,
      amount: line.amount,
      proration: line.parent?.subscription_item_details?.proration ?? false,
      periodStart: line.period.start,
      periodEnd: line.period.end,
    })),
  };
}
