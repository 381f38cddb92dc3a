import type Stripe from 'stripe';

export interface InvoiceLineInput {
  id: string;
  invoice: string;
  amount: number;
  currency: string;
  description: string;
  periodStart: number;
  periodEnd: number;
  quantity: number;
  priceId: string;
  subscription: string | null;
  subscriptionItem: string | null;
  proration: boolean;
}

export function buildInvoiceLine(input: InvoiceLineInput): Stripe.InvoiceLineItem {
  const line = {
    amount: input.amount,
    currency: input.currency,
    description: input.description,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    id: input.id,
    invoice: input.invoice,
    livemode: false,
    metadata: {},
    object: 'line_item',
    period: { end: input.periodEnd, start: input.periodStart },
    quantity: input.quantity,
    subscription: input.subscription,
    pretax_credit_amounts: [],
    taxes: [],
    parent: {
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: null,
        proration: input.proration,
        proration_details: { credited_items: null },
        subscription: input.subscription,
        subscription_item: input.subscriptionItem,
      },
      type: 'subscription_item_details',
    },
    pricing: { type: 'price_details', unit_amount_decimal: null },
    subtotal: input.amount,
    quantity_decimal: String(input.quantity),
  };
  return line as unknown as Stripe.InvoiceLineItem;
}

export interface InvoiceInput {
  id: string;
  created: number;
  customer: string;
  customerEmail: string | null;
  customerName: string | null;
  currency: string;
  subscription: string | null;
  subscriptionMetadata: Record<string, string> | null;
  billingReason: Stripe.Invoice.BillingReason;
  lines: Stripe.InvoiceLineItem[];
  periodStart: number;
  periodEnd: number;
}

/**
 * A draft invoice. Since API 2025-03-31 the subscription is only under
 * `parent.subscription_details.subscription`; the top-level `subscription` key stays null.
 */
export function buildInvoice(input: InvoiceInput): Stripe.Invoice {
  const total = input.lines.reduce((sum, l) => sum + l.amount, 0);
  const due = Math.max(0, total);
  const invoice = {
    account_country: 'US',
    account_name: 'FakeStripe',
    account_tax_ids: null,
    amount_due: due,
    amount_paid: 0,
    amount_remaining: due,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: { enabled: false, liability: null, status: null, disabled_reason: null, provider: null },
    billing_reason: input.billingReason,
    collection_method: 'charge_automatically',
    created: input.created,
    currency: input.currency,
    custom_fields: null,
    customer: input.customer,
    customer_address: null,
    customer_email: input.customerEmail,
    customer_name: input.customerName,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    id: input.id,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { data: input.lines, has_more: false, object: 'list', url: `/v1/invoices/${input.id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    object: 'invoice',
    on_behalf_of: null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: input.periodEnd,
    period_start: input.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subscription: null,
    subtotal: total,
    subtotal_excluding_tax: total,
    test_clock: null,
    total,
    total_discount_amounts: [],
    total_excluding_tax: total,
    webhooks_delivered_at: null,
    automatically_finalizes_at: null,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    amount_overpaid: 0,
    parent: input.subscription
      ? {
          quote_details: null,
          subscription_details: { metadata: input.subscriptionMetadata, subscription: input.subscription },
          type: 'subscription_details',
        }
      : null,
    customer_account: null,
  };
  return invoice as unknown as Stripe.Invoice;
}
