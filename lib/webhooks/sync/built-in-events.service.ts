import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { PaymentsException } from '../../common/payments.exception';
import { PaymentEntity } from '../../persistence/entities/payment.entity';
import { BillableStore } from '../../persistence/billable-store';
import { PaymentsTx } from '../../persistence/payments-transactions';
import { StripeGateway } from '../../stripe/stripe-gateway.service';
import { BillingEventType } from '../handlers/webhook-handler.types';
import { BillingSyncService } from './billing-sync.service';
import { refId, toDate } from './subscription-state.mapper';
import { SubscriptionApplier, SyncOutcome } from './subscription-applier.service';

/** Stripe event types the module handles itself (app handlers run in addition). */
export const BUILT_IN_EVENT_TYPES: readonly string[] = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'customer.subscription.trial_will_end',
  'invoice.paid',
  'invoice.payment_failed',
  'invoice.payment_action_required',
  'customer.deleted',
];

// Events that are themselves a typed billing event, beside whatever the state change implies.
const EVENT_TYPED: Record<string, BillingEventType> = {
  'customer.subscription.trial_will_end': 'trial.ending',
  'invoice.paid': 'payment.succeeded',
  'invoice.payment_failed': 'payment.failed',
  'invoice.payment_action_required': 'payment.action_required',
};

/** The module's own handling of a Stripe event, inside the event's transaction. */
@Injectable()
export class BuiltInEvents {
  private readonly logger = new Logger('Payments:Webhooks');

  constructor(
    private readonly sync: BillingSyncService,
    private readonly applier: SubscriptionApplier,
    private readonly store: BillableStore,
    private readonly gateway: StripeGateway,
  ) {}

  /** Handles the event; false when the type is not one the module knows. */
  async handle(event: Stripe.Event, tx: PaymentsTx): Promise<boolean> {
    if (!BUILT_IN_EVENT_TYPES.includes(event.type)) return false;
    const object = event.data.object as unknown as Record<string, unknown>;
    const options = { tx, event };
    let outcome: SyncOutcome | null = null;
    if (event.type === 'checkout.session.completed') {
      await this.syncCheckout(String(object.id), event, tx);
    } else if (event.type.startsWith('customer.subscription.')) {
      outcome = await this.sync.syncSubscriptionOutcome(String(object.id), { ...options, customerId: refId(object.customer) });
    } else if (event.type === 'customer.deleted') {
      await this.sync.customerDeleted(String(object.id), options);
    } else {
      outcome = await this.handleInvoice(object as unknown as Stripe.Invoice, tx, event);
    }
    const typed = EVENT_TYPED[event.type];
    if (typed && outcome) await this.applier.emit(tx, outcome.billable, outcome.previous, outcome.current, [typed], event);
    return true;
  }

  private async syncCheckout(sessionId: string, event: Stripe.Event, tx: PaymentsTx): Promise<void> {
    try {
      await this.sync.syncCheckoutSession(sessionId, { tx, event });
    } catch (error) {
      if (!(error instanceof PaymentsException && error.code === 'checkout_not_found')) throw error;
      this.missing('Checkout session', sessionId, event);
    }
  }

  /** Invoice events: the invoice is re-fetched, since the payload is only a snapshot of whatever it said when sent. */
  private async handleInvoice(payload: Stripe.Invoice, tx: PaymentsTx, event: Stripe.Event): Promise<SyncOutcome | null> {
    const invoice = await this.gateway.find('invoices.retrieve', (s) => s.invoices.retrieve(String(payload.id)));
    if (!invoice) {
      this.missing('Invoice', payload.id, event);
      return null;
    }
    const customerId = refId(invoice.customer);
    const subscriptionId = invoiceSubscriptionId(invoice);
    const outcome = subscriptionId ? await this.sync.syncSubscriptionOutcome(subscriptionId, { tx, event, customerId }) : null;
    if (event.type === 'invoice.paid' && customerId) await this.recordPayment(tx, invoice, customerId, subscriptionId, outcome);
    return outcome;
  }

  /**
   * One row per paid invoice (its id is the key), whatever the number of deliveries or instances,
   * with Stripe's figures, and only for a billable of ours: other customers on the account are
   * none of this app's ledger.
   */
  private async recordPayment(tx: PaymentsTx, invoice: Stripe.Invoice, customerId: string, subscriptionId: string | null, outcome: SyncOutcome | null): Promise<void> {
    if (invoice.status !== 'paid') {
      this.logger.log(`Invoice ${invoice.id} is ${invoice.status} at Stripe, not paid; no payment recorded.`);
      return;
    }
    const billable = outcome?.billable ?? (await this.store.findByCustomerId(customerId, tx.manager));
    if (!billable) {
      this.logger.log(`No billable owns customer ${customerId} of invoice ${invoice.id}; no payment recorded.`);
      return;
    }
    const line = invoice.lines?.data?.[0];
    await tx.manager
      .createQueryBuilder()
      .insert()
      .into(PaymentEntity)
      .values({
        id: invoice.id,
        billableId: this.store.idOf(billable),
        stripeCustomerId: customerId,
        stripeSubscriptionId: subscriptionId,
        amountPaid: invoice.amount_paid ?? 0,
        currency: invoice.currency ?? 'usd',
        status: invoice.status,
        paidAt: toDate(invoice.status_transitions?.paid_at) ?? toDate(invoice.created) ?? new Date(),
        periodStart: toDate(line?.period?.start ?? invoice.period_start),
        periodEnd: toDate(line?.period?.end ?? invoice.period_end),
      })
      .orIgnore()
      .execute();
  }

  /** An object Stripe says does not exist: acknowledged, so Stripe stops retrying an event nothing can process. */
  private missing(kind: string, id: unknown, event: Stripe.Event): void {
    this.logger.log(`${kind} ${String(id)} of ${event.type} ${event.id} does not exist at Stripe; acknowledged and ignored.`);
  }
}

/** The invoice's subscription: under `parent.subscription_details` since API 2025-03-31, top-level before. */
export function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  const parent = (invoice as unknown as { parent?: { subscription_details?: { subscription?: unknown } } }).parent;
  return refId(parent?.subscription_details?.subscription) ?? refId((invoice as unknown as { subscription?: unknown }).subscription);
}
