import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { PaymentsException } from '../../common/payments.exception';
import { PaymentEntity } from '../../persistence/entities/payment.entity';
import { BillableStore } from '../../persistence/billable-store';
import { PaymentsTx } from '../../persistence/payments-transactions';
import { StripeGateway } from '../../stripe/stripe-gateway.service';
import { FetchedRefunds, PRODUCT_EVENT_TYPES, ProductEvents } from '../../products/product-events.service';
import { ProductGrants } from '../../products/product-grants.service';
import { BillingEventType } from '../handlers/webhook-handler.types';
import { ApplyOptions, BillingSyncService, Fetched, FetchedCheckout } from './billing-sync.service';
import { StripeLookups } from './fetch-then-apply';
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
  // One-time purchases (issue 15).
  ...PRODUCT_EVENT_TYPES,
];

// Events that are themselves a typed billing event, beside whatever the state change implies.
const EVENT_TYPED: Record<string, BillingEventType> = {
  'customer.subscription.trial_will_end': 'trial.ending',
  'invoice.paid': 'payment.succeeded',
  'invoice.payment_failed': 'payment.failed',
  'invoice.payment_action_required': 'payment.action_required',
};

/** What the module fetched from Stripe for one event, before its transaction. */
export type FetchedEvent =
  | { kind: 'checkout'; sessionId: string; fetched: Fetched<FetchedCheckout> }
  | { kind: 'subscription'; subscriptionId: string; fetched: Fetched<Stripe.Subscription> }
  | { kind: 'customer_deleted'; customerId: string; fetched: Fetched<Stripe.Customer | Stripe.DeletedCustomer> }
  | { kind: 'invoice'; invoiceId: string; invoice: Stripe.Invoice | null; subscription: Fetched<Stripe.Subscription> | null }
  | { kind: 'refunds'; fetched: FetchedRefunds };

/**
 * The module's own handling of a Stripe event, in two halves: `fetch` re-fetches what the event
 * names from Stripe with no transaction open, then `apply` writes it inside the event's
 * transaction, making no Stripe call (what it lacks it asks for with `StripeCallNeeded`).
 */
@Injectable()
export class BuiltInEvents {
  private readonly logger = new Logger('Payments:Webhooks');

  constructor(
    private readonly sync: BillingSyncService,
    private readonly applier: SubscriptionApplier,
    private readonly store: BillableStore,
    private readonly gateway: StripeGateway,
    private readonly productEvents: ProductEvents,
    private readonly grants: ProductGrants,
  ) {}

  /** Fresh lookups for one event (kept across its fetch-then-apply rounds). */
  lookups(): StripeLookups {
    return this.sync.lookups();
  }

  /**
   * Fetches from Stripe what the event names (the payload is only a snapshot of whatever the
   * object said when sent); null when the type is not one the module handles.
   */
  async fetch(event: Stripe.Event): Promise<FetchedEvent | null> {
    if (!BUILT_IN_EVENT_TYPES.includes(event.type)) return null;
    const object = event.data.object as unknown as Record<string, unknown>;
    const id = String(object.id);
    if (event.type === 'charge.refunded') return this.productEvents.handles() ? { kind: 'refunds', fetched: await this.productEvents.fetchRefunds(id) } : null;
    if (event.type === 'checkout.session.completed' || event.type === 'checkout.session.async_payment_succeeded') return { kind: 'checkout', sessionId: id, fetched: await this.sync.fetchCheckoutSession(id) };
    if (event.type.startsWith('customer.subscription.')) return { kind: 'subscription', subscriptionId: id, fetched: await this.sync.fetchSubscription(id) };
    if (event.type === 'customer.deleted') return { kind: 'customer_deleted', customerId: id, fetched: await this.sync.fetchCustomer(id) };
    const invoice = await this.gateway.find('invoices.retrieve', (s) => s.invoices.retrieve(id));
    const subscriptionId = invoice ? invoiceSubscriptionId(invoice) : null;
    return { kind: 'invoice', invoiceId: id, invoice, subscription: subscriptionId ? await this.sync.fetchSubscription(subscriptionId) : null };
  }

  /** Applies what `fetch` got, inside the event's transaction; false when the type is not one the module knows. */
  async apply(event: Stripe.Event, fetched: FetchedEvent | null, tx: PaymentsTx, lookups: StripeLookups): Promise<boolean> {
    if (!fetched) return false;
    const options = { event, lookups };
    let outcome: SyncOutcome | null = null;
    if (fetched.kind === 'checkout') {
      await this.applyCheckout(fetched, tx, options);
    } else if (fetched.kind === 'subscription') {
      outcome = await this.sync.applySubscription(tx, fetched.subscriptionId, fetched.fetched, options);
    } else if (fetched.kind === 'refunds') {
      await this.productEvents.applyRefunds(tx, fetched.fetched);
    } else if (fetched.kind === 'customer_deleted') {
      await this.sync.applyCustomerDeleted(tx, fetched.customerId, fetched.fetched, options);
    } else {
      outcome = await this.applyInvoice(fetched, tx, options);
    }
    const typed = EVENT_TYPED[event.type];
    if (typed && outcome) await this.applier.emit(tx, outcome.billable, outcome.previous, outcome.current, [typed], event);
    return true;
  }

  private async applyCheckout(fetched: Extract<FetchedEvent, { kind: 'checkout' }>, tx: PaymentsTx, options: ApplyOptions & { event: Stripe.Event }): Promise<void> {
    try {
      await this.sync.applyCheckoutSession(tx, fetched.fetched, options);
      // A one-time purchase: granted once, here or by the status call, whichever commits first.
      const session = fetched.fetched.object?.session;
      if (session?.mode === 'payment') await this.grants.applySession(tx, session);
    } catch (error) {
      if (!(error instanceof PaymentsException && error.code === 'checkout_not_found')) throw error;
      this.missing('Checkout session', fetched.sessionId, options.event);
    }
  }

  private async applyInvoice(fetched: Extract<FetchedEvent, { kind: 'invoice' }>, tx: PaymentsTx, options: ApplyOptions & { event: Stripe.Event }): Promise<SyncOutcome | null> {
    const { invoice } = fetched;
    const { event } = options;
    if (!invoice) {
      this.missing('Invoice', fetched.invoiceId, event);
      return null;
    }
    const customerId = refId(invoice.customer);
    const subscriptionId = invoiceSubscriptionId(invoice);
    const outcome = subscriptionId && fetched.subscription ? await this.sync.applySubscription(tx, subscriptionId, fetched.subscription, options) : null;
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
