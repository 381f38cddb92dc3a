import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { PaymentsException } from '../../common/payments.exception';
import { Billable, BillableStore } from '../../persistence/billable-store';
import { PaymentsTransactions, PaymentsTx } from '../../persistence/payments-transactions';
import { StripeGateway } from '../../stripe/stripe-gateway.service';
import { billingTransitions } from './billing-transitions';
import { ENDED_STATUSES, HOLDING_STATUSES, refId, snapshotState } from './subscription-state.mapper';
import { SubscriptionApplier, SyncOutcome } from './subscription-applier.service';

/** Options of one sync. */
export interface SyncOptions {
  /** Run inside this transaction (the webhook's) instead of a new one. */
  tx?: PaymentsTx;
  /** The Stripe event being processed, handed to typed billing events. */
  event?: Stripe.Event | null;
  /** The customer, when known before fetching (from the event): the row is locked before the fetch. */
  customerId?: string | null;
  /** A billable id vouched for by our own checkout (`ownBillableId`) or subscription metadata: may link a customer. */
  billableIdHint?: string | null;
}

/** A checkout session the caller already fetched (expanded as `CHECKOUT_SESSION_EXPAND`), and when. */
export interface FetchedSession {
  session: Stripe.Checkout.Session;
  fetchedAt: Date;
}

/** What a checkout sync needs of a session, in one API call. */
export const CHECKOUT_SESSION_EXPAND = ['subscription', 'subscription.latest_invoice'];

// latest_invoice dates a past-due run by Stripe's clock; it comes in the same single API call.
const SUBSCRIPTION_EXPAND = ['latest_invoice'];

/**
 * Brings a billable's billing columns in line with Stripe. Each sync re-fetches the object (one
 * API call), locks the owning billable row and writes in one transaction, so delivery order and
 * stale payloads never move state backwards. The webhook and `GET /checkout/status` share it.
 */
@Injectable()
export class BillingSyncService {
  private readonly logger = new Logger('Payments:Webhooks');

  constructor(
    private readonly gateway: StripeGateway,
    private readonly store: BillableStore,
    private readonly transactions: PaymentsTransactions,
    private readonly applier: SubscriptionApplier,
  ) {}

  /** Re-fetches a subscription and writes it onto the billable owning its customer; null when none does. */
  async syncSubscription(subscriptionId: string, options: SyncOptions = {}): Promise<Billable | null> {
    return (await this.syncSubscriptionOutcome(subscriptionId, options))?.billable ?? null;
  }

  /** Like `syncSubscription`, with the state before and after (for typed events). */
  syncSubscriptionOutcome(subscriptionId: string, options: SyncOptions = {}): Promise<SyncOutcome | null> {
    return this.inTx(options.tx, async (tx) => {
      // With the customer known, lock first: concurrent syncs then fetch one after the other.
      const early = options.customerId ? await this.lockOwner(tx, options.customerId, options.billableIdHint) : null;
      const fetchedAt = new Date();
      const sub = await this.gateway.find('subscriptions.retrieve', (s) => s.subscriptions.retrieve(subscriptionId, { expand: SUBSCRIPTION_EXPAND }));
      if (!sub) {
        this.logger.warn(`Subscription ${subscriptionId} not found at Stripe; nothing to sync.`);
        return null;
      }
      // An ended subscription never links its customer through the hint: delivered after
      // customer.deleted (Stripe keeps no order) it would re-link the deleted customer.
      const hint = ENDED_STATUSES.includes(sub.status) ? null : (options.billableIdHint ?? sub.metadata?.billable_id);
      // The early lock trusted the event's customer; Stripe's answer decides whose row is written.
      const owner = early && refId(sub.customer) === options.customerId ? early : await this.lockOwner(tx, refId(sub.customer), hint);
      if (!owner) return this.noOwner(sub);
      return this.applier.apply(tx, owner.billable, sub, { fetchedAt, event: options.event ?? null, link: owner.link });
    });
  }

  /**
   * Re-fetches a checkout session (with its subscription, one call). A complete subscription
   * session made by this module's checkout (see `ownBillableId`) links its customer to that
   * billable (when it has no customer yet) and syncs the subscription; any other session can
   * only update a billable that already owns its customer.
   */
  async syncCheckoutSession(
    sessionId: string,
    options: SyncOptions & { fetched?: FetchedSession } = {},
  ): Promise<{ session: Stripe.Checkout.Session; billable: Billable | null }> {
    return this.inTx(options.tx, async (tx) => {
      // A session fetched by the caller keeps its fetch time, so the stale guard still orders it.
      const fetchedAt = options.fetched?.fetchedAt ?? new Date();
      const session =
        options.fetched?.session ??
        (await this.gateway.find('checkout.sessions.retrieve', (s) => s.checkout.sessions.retrieve(sessionId, { expand: CHECKOUT_SESSION_EXPAND })));
      if (!session) throw new PaymentsException(404, 'checkout_not_found', 'No such checkout session.');
      const hint = ownBillableId(session);
      const customerId = refId(session.customer);
      if (session.status !== 'complete' || session.mode !== 'subscription' || !session.subscription) {
        const billable = hint ? await this.store.findById(hint, tx.manager) : null;
        return { session, billable };
      }
      const owner = await this.lockOwner(tx, customerId, hint);
      if (!owner) {
        this.logger.warn(`Checkout session ${session.id} names no known billable; nothing to sync.`);
        return { session, billable: null };
      }
      let sub = session.subscription as Stripe.Subscription | string;
      if (typeof sub === 'string') {
        const fetched = await this.gateway.find('subscriptions.retrieve', (s) => s.subscriptions.retrieve(sub as string, { expand: SUBSCRIPTION_EXPAND }));
        if (!fetched) return { session, billable: owner.billable };
        sub = fetched;
      }
      const outcome = await this.applier.apply(tx, owner.billable, sub, { fetchedAt, event: options.event ?? null, link: owner.link });
      return { session, billable: outcome.billable };
    });
  }

  /** Resyncs a billable from its customer's subscriptions at Stripe (for events past Stripe's retry window). */
  async syncBillable(billableId: string, options: SyncOptions = {}): Promise<Billable | null> {
    return this.inTx(options.tx, async (tx) => {
      const billable = await this.store.lockById(tx, billableId);
      if (!billable || !billable.stripeCustomerId) return billable;
      const customerId = billable.stripeCustomerId;
      const fetchedAt = new Date();
      const list = await this.gateway.call('subscriptions.list', (s) =>
        s.subscriptions.list({ customer: customerId, status: 'all', limit: 100, expand: ['data.latest_invoice'] }),
      );
      const chosen = pickCurrent(list.data, billable.stripeSubscriptionId);
      if (!chosen) return billable;
      return (await this.applier.apply(tx, billable, chosen, { fetchedAt, event: options.event ?? null })).billable;
    });
  }

  /** A deleted customer: its subscriptions are gone, so the billable goes back to free (history kept). */
  async customerDeleted(customerId: string, options: SyncOptions = {}): Promise<SyncOutcome | null> {
    return this.inTx(options.tx, async (tx) => {
      const billable = await this.store.lockByCustomerId(tx, customerId);
      if (!billable) return null;
      const existing = await this.gateway.find('customers.retrieve', (s) => s.customers.retrieve(customerId));
      if (existing && !(existing as Stripe.DeletedCustomer).deleted) return null;
      const previous = snapshotState(billable);
      const ended = previous.subscriptionStatus && previous.subscriptionStatus !== 'incomplete_expired' ? 'canceled' : previous.subscriptionStatus;
      await this.store.writeState(tx, billable, { stripeCustomerId: null, plan: null, subscriptionStatus: ended, pastDueSince: null, billingSyncedAt: new Date() });
      const current = snapshotState(billable);
      await this.applier.emit(tx, billable, previous, current, billingTransitions(previous, current), options.event ?? null);
      return { billable, previous, current };
    });
  }

  /** Locks the billable that owns `customerId`, or the hinted one when it has no customer yet (to link it). */
  async lockOwner(tx: PaymentsTx, customerId: string | null, hint?: string | null): Promise<{ billable: Billable; link?: string } | null> {
    if (customerId) {
      const billable = await this.store.lockByCustomerId(tx, customerId);
      if (billable) return { billable };
    }
    if (!hint || !customerId) return null;
    const candidate = await this.store.lockById(tx, hint);
    if (!candidate) return null;
    if (candidate.stripeCustomerId && candidate.stripeCustomerId !== customerId) {
      this.logger.warn(`Billable ${hint} already has another Stripe customer; customer ${customerId} is not linked.`);
      return null;
    }
    return { billable: candidate, link: candidate.stripeCustomerId ? undefined : customerId };
  }

  private noOwner(sub: Stripe.Subscription): null {
    this.logger.log(`No billable owns customer ${refId(sub.customer)} of subscription ${sub.id}; nothing to sync.`);
    return null;
  }

  private inTx<T>(tx: PaymentsTx | undefined, work: (tx: PaymentsTx) => Promise<T>): Promise<T> {
    return tx ? work(tx) : this.transactions.run(work);
  }
}

/**
 * The billable a checkout session was made for, when this module made it: our checkout sets both
 * `client_reference_id` and `metadata.billable_id` to the billable id (and the subscription's
 * `metadata.billable_id` too). A Payment Link or pricing table on the same account lets anyone set
 * `client_reference_id` (a URL parameter) but not the metadata, so one alone never names an owner.
 */
export function ownBillableId(session: Stripe.Checkout.Session): string | null {
  const id = session.client_reference_id;
  if (typeof id !== 'string' || id === '' || session.metadata?.billable_id !== id) return null;
  const sub = session.subscription;
  const subOwner = sub && typeof sub === 'object' ? sub.metadata?.billable_id : undefined;
  return subOwner === undefined || subOwner === id ? id : null;
}

/** The subscription that represents the billable: its current one while it holds, else the newest holding one, else the current or newest. */
export function pickCurrent(subs: Stripe.Subscription[], currentId: string | null): Stripe.Subscription | null {
  if (subs.length === 0) return null;
  const current = subs.find((s) => s.id === currentId);
  if (current && HOLDING_STATUSES.includes(current.status)) return current;
  const newest = [...subs].sort((a, b) => b.created - a.created);
  return newest.find((s) => HOLDING_STATUSES.includes(s.status)) ?? current ?? newest[0];
}
