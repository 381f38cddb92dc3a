import type Stripe from 'stripe';

/** What an invoice adds up from: before discounts, the discounts, after them, and the tax on that. */
export interface InvoiceAmounts {
  /** The lines before discounts and tax. */
  subtotal: number;
  /** Taken off by coupons and promotion codes (Stripe's `total_discount_amounts`). */
  discount: number;
  /** `subtotal - discount`. */
  totalExcludingTax: number;
  /** Tax (Stripe's `total_taxes`; `tax` in API versions before 2025-03-31); 0 without tax. */
  tax: number;
}

/** One invoice as the billing routes answer it: Stripe's figures in the smallest currency unit. */
export interface InvoiceView extends InvoiceAmounts {
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
export interface InvoicePreviewView extends InvoiceAmounts {
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
    ...invoiceAmounts(invoice),
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
    ...invoiceAmounts(invoice),
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

/** Discounts and tax summed from Stripe's breakdowns, in whichever API version's shape the invoice came. */
export function invoiceAmounts(invoice: Stripe.Invoice): InvoiceAmounts {
  const legacy = invoice as unknown as { tax?: number | null };
  const taxes = invoice.total_taxes ?? null;
  const tax = taxes ? taxes.reduce((sum, t) => sum + t.amount, 0) : (legacy.tax ?? 0);
  const discount = (invoice.total_discount_amounts ?? []).reduce((sum, d) => sum + d.amount, 0);
  const subtotal = invoice.subtotal ?? invoice.total;
  return { subtotal, discount, totalExcludingTax: invoice.total_excluding_tax ?? invoice.total - tax, tax };
}
