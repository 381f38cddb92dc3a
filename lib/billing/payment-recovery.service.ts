import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { StripeCallBudgetGuard } from '../budget/stripe-call-budget.guard';
import { BillingState } from '../persistence/billing-state';
import { StripeGateway } from '../stripe/stripe-gateway.service';

/** The `flow` of `POST /portal` that opens the portal on the payment method update. */
export const PAYMENT_METHOD_UPDATE_FLOW = 'payment_method_update';

/** Subscription statuses whose invoice waits for a payment the customer can make. */
const AWAITING_PAYMENT = ['past_due', 'incomplete', 'unpaid'];

/** How the customer can settle a payment that needs action (a failed renewal, SCA, an upgrade awaiting payment). */
export interface PaymentRecovery {
  /** Stripe's page to pay the open invoice, 3-D Secure included; null when none is open or it could not be read now. */
  hostedInvoiceUrl: string | null;
  /** The `flow` to send to `POST /portal` for a portal page that updates the payment method. */
  portalFlow: typeof PAYMENT_METHOD_UPDATE_FLOW;
}

/** The recovery for an invoice Stripe returned expanded; null when it is not open or was not expanded. */
export function recoveryOf(invoice: string | Stripe.Invoice | null | undefined): PaymentRecovery | null {
  if (!invoice || typeof invoice === 'string' || invoice.status !== 'open') return null;
  return { hostedInvoiceUrl: invoice.hosted_invoice_url ?? null, portalFlow: PAYMENT_METHOD_UPDATE_FLOW };
}

/**
 * Finds the invoice to pay for `GET /subscription` while the subscription waits for a payment. The
 * route otherwise reads only the database, so the lookup is best effort: charged to the caller's
 * Stripe call budget only when it is made, skipped once the budget is spent, and a Stripe failure
 * leaves the URL null rather than failing the route.
 */
@Injectable()
export class PaymentRecoveryService {
  private readonly logger = new Logger('Payments:Billing');

  constructor(
    private readonly gateway: StripeGateway,
    private readonly budget: StripeCallBudgetGuard,
  ) {}

  /** The recovery for a billable whose subscription awaits a payment, else null (no Stripe call). */
  async forState(billableId: string, state: BillingState): Promise<PaymentRecovery | null> {
    const customer = state.stripeCustomerId;
    if (!customer || !state.subscriptionStatus || !AWAITING_PAYMENT.includes(state.subscriptionStatus)) return null;
    let hostedInvoiceUrl: string | null = null;
    if (await this.budget.tryCharge(billableId, 1)) {
      try {
        const open = await this.gateway.call('invoices.list', (s) =>
          s.invoices.list({ customer, status: 'open', limit: 1, ...(state.stripeSubscriptionId ? { subscription: state.stripeSubscriptionId } : {}) }),
        );
        hostedInvoiceUrl = open.data[0]?.hosted_invoice_url ?? null;
      } catch {
        // The gateway has logged the failure without Stripe's text; the state is still worth answering.
        this.logger.warn(`open invoice of billable ${billableId} not read; answered without its payment link`);
      }
    }
    return { hostedInvoiceUrl, portalFlow: PAYMENT_METHOD_UPDATE_FLOW };
  }
}
