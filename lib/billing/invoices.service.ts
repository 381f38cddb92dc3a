import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { PaymentsException } from '../common/payments.exception';
import { BillableStore } from '../persistence/billable-store';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { InvoicePreviewView, invoicePreviewView, InvoiceView, invoiceView } from './invoice.view';
import { billableNotFound } from './stripe-customers.service';

/** Default page size of `GET /invoices`. */
export const DEFAULT_INVOICE_PAGE = 10;

/** One page of the billable's invoices, newest first. */
export interface InvoicePage {
  data: InvoiceView[];
  hasMore: boolean;
}

/**
 * The billable's invoices, read from Stripe on each call (nothing is cached or stored): only
 * invoices of the billable's own customer, so an id from elsewhere answers like a missing one.
 */
@Injectable()
export class InvoicesService {
  constructor(
    private readonly store: BillableStore,
    private readonly gateway: StripeGateway,
  ) {}

  /** A page of the billable's invoices (`limit` default 10, at most 100); empty, with no Stripe call, before the first checkout. */
  async list(billableId: string, page: { limit?: number; startingAfter?: string } = {}): Promise<InvoicePage> {
    const customer = await this.customerOf(billableId);
    if (!customer) return { data: [], hasMore: false };
    const limit = Math.min(Math.max(page.limit ?? DEFAULT_INVOICE_PAGE, 1), 100);
    const list = await this.gateway.call('invoices.list', (s) =>
      s.invoices.list({ customer, limit, ...(page.startingAfter ? { starting_after: page.startingAfter } : {}) }),
    );
    return { data: list.data.map(invoiceView), hasMore: list.has_more };
  }

  /** One invoice of the billable; 404 `invoice_not_found` when missing or another customer's. */
  async get(billableId: string, invoiceId: string): Promise<InvoiceView> {
    const customer = await this.customerOf(billableId);
    if (!customer) throw invoiceNotFound();
    const invoice = await this.gateway.find('invoices.retrieve', (s) => s.invoices.retrieve(invoiceId));
    if (!invoice || customerIdOf(invoice) !== customer) throw invoiceNotFound();
    return invoiceView(invoice);
  }

  /** The next invoice as Stripe would draw it now; 404 `no_upcoming_invoice` when none is coming. */
  async upcoming(billableId: string): Promise<InvoicePreviewView> {
    const customer = await this.customerOf(billableId);
    if (!customer) throw noUpcomingInvoice();
    const preview = await this.preview({ customer });
    if (!preview) throw noUpcomingInvoice();
    return invoicePreviewView(preview);
  }

  /** Stripe's invoice preview for these parameters, or null when Stripe says nothing is coming. */
  async preview(params: Stripe.InvoiceCreatePreviewParams): Promise<Stripe.Invoice | null> {
    return this.gateway.call('invoices.createPreview', async (s) => {
      try {
        return await s.invoices.createPreview(params);
      } catch (error) {
        // An answer, not a failure: no subscription renews and nothing is pending.
        if ((error as { code?: string })?.code === 'invoice_upcoming_none') return null;
        throw error;
      }
    });
  }

  private async customerOf(billableId: string): Promise<string | null> {
    const billable = await this.store.findById(billableId);
    if (!billable) throw billableNotFound();
    return billable.stripeCustomerId ?? null;
  }
}

function customerIdOf(invoice: Stripe.Invoice): string | null {
  const customer = invoice.customer;
  if (!customer) return null;
  return typeof customer === 'string' ? customer : customer.id;
}

function invoiceNotFound(): PaymentsException {
  return new PaymentsException(404, 'invoice_not_found', 'There is no invoice with this id.');
}

function noUpcomingInvoice(): PaymentsException {
  return new PaymentsException(404, 'no_upcoming_invoice', 'There is no upcoming invoice.');
}
