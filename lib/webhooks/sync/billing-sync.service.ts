import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { PaymentsException } from '../../common/payments.exception';
import { Billable, BillableStore } from '../../persistence/billable-store';
import { PaymentsTransactions, PaymentsTx } from '../../persistence/payments-transactions';
import { StripeGateway } from '../../stripe/stripe-gateway.service';
import { billingTransitions } from './billing-transitions';
import { fetchThenApply, StripeCallNeeded, StripeLookups } from './fetch-then-apply';
import { ENDED_STATUSES, HOLDING_STATUSES, refId, snapshotState } from './subscription-state.mapper';
import { SubscriptionApplier, SyncOutcome } from './subscription-applier.service';

/** Options of one sync. */
export interface SyncOptions {
  /** The Stripe event being processed, handed to typed billing events. */
  event?: Stripe.Event | null;
  /** A billable id vouched for by our own checkout (`ownBillableId`) or subscription metadata: may link a customer. */
  billableIdHint?: string | null;
}

/** What an apply step needs besides the transaction: the sync's options and its Stripe lookups. */
export interface ApplyOptions extends SyncOptions {
  lookups: StripeLookups;
}

/** A Stripe object fetched before the transaction that applies it (null: Stripe has none), and when the fetch began. */
export interface Fetched<T> {
  object: T | null;
  fetchedAt: Date;
}

/** A checkout session the caller already fetched (expanded as `CHECKOUT_SESSION_EXPAND`), and when. */
export interface FetchedSession {
  session: Stripe.Checkout.Session;
  fetchedAt: Date;
}

/** A checkout session with its subscription (expanded, or fetched when Stripe gave only its id). */
export interface FetchedCheckout extends FetchedSession {
  subscription: Stripe.Subscription | null;
}

/** What a checkout sync needs of a session, in one API call. */
export const CHECKOUT_SESSION_EXPAND = ['subscription', 'subscription.latest_invoice'];

// latest_invoice dates a past-due run by Stripe's clock; it comes in the same single API call.
const SUBSCRIPTION_EXPAND = ['latest_invoice'];

/**
 * Brings a billable's billing columns in line with Stripe. Each sync fetches from Stripe first,
 * with no transaction open, then locks the owning billable row and writes in one transaction only
 * what is newer than what is stored, so delivery order, stale payloads and a slow Stripe never
 * move state backwards or hold a lock. The webhook and `GET /checkout/status` share it; the
 * webhook calls the `fetch*`/`apply*` halves itself to apply inside the event's transaction.
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
    const lookups = this.lookups();
    return fetchThenApply(
      () => this.fetchSubscription(subscriptionId),
      (fetched) => this.transactions.run((tx) => this.applySubscription(tx, subscriptionId, fetched, { ...options, lookups })),
    );
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
    const lookups = this.lookups();
    let given = options.fetched;
    return fetchThenApply(
      async () => {
        // A session fetched by the caller keeps its fetch time, so the stale guard still orders it;
        // a later round (after a rollback) fetches afresh.
        const fetched = await this.fetchCheckoutSession(sessionId, given);
        given = undefined;
        return fetched;
      },
      (fetched) => this.transactions.run((tx) => this.applyCheckoutSession(tx, fetched, { ...options, lookups })),
    );
  }

  /** Resyncs a billable from its customer's subscriptions at Stripe (for events past Stripe's retry window). */
  async syncBillable(billableId: string, options: SyncOptions = {}): Promise<Billable | null> {
    const lookups = this.lookups();
    return fetchThenApply(
      async () => {
        const known = await this.store.findById(billableId);
        const customerId = known?.stripeCustomerId ?? null;
        if (!customerId) return { customerId, list: null, fetchedAt: new Date() };
        const fetchedAt = new Date();
        const list = await this.gateway.call('subscriptions.list', (s) =>
          s.subscriptions.list({ customer: customerId, status: 'all', limit: 100, expand: ['data.latest_invoice'] }),
        );
        return { customerId, list: list.data, fetchedAt };
      },
      (fetched) =>
        this.transactions.run(async (tx) => {
          const billable = await this.store.lockById(tx, billableId);
          if (!billable || !billable.stripeCustomerId) return billable;
          // Linked to another customer since the fetch: fetch that one's subscriptions instead.
          if (billable.stripeCustomerId !== fetched.customerId) throw new StripeCallNeeded(`billable ${billableId} changed customer`);
          const chosen = pickCurrent(fetched.list ?? [], billable.stripeSubscriptionId);
          if (!chosen) return billable;
          return (await this.applier.apply(tx, billable, chosen, { fetchedAt: fetched.fetchedAt, event: options.event ?? null, lookups })).billable;
        }),
    );
  }

  /** A deleted customer: its subscriptions are gone, so the billable goes back to free (history kept). */
  customerDeleted(customerId: string, options: SyncOptions = {}): Promise<SyncOutcome | null> {
    return fetchThenApply(
      () => this.fetchCustomer(customerId),
      (fetched) => this.transactions.run((tx) => this.applyCustomerDeleted(tx, customerId, fetched, options)),
    );
  }

  /** Fresh lookups for one sync (the subscriptions it may need beside the one it applies). */
  lookups(): StripeLookups {
    return new StripeLookups(this.gateway);
  }

  /** Fetches a subscription (with its latest invoice), outside any transaction. */
  async fetchSubscription(subscriptionId: string): Promise<Fetched<Stripe.Subscription>> {
    const fetchedAt = new Date();
    const object = await this.gateway.find('subscriptions.retrieve', (s) => s.subscriptions.retrieve(subscriptionId, { expand: SUBSCRIPTION_EXPAND }));
    return { object, fetchedAt };
  }

  /** Fetches a checkout session and its subscription (unless the caller already did), outside any transaction. */
  async fetchCheckoutSession(sessionId: string, given?: FetchedSession): Promise<Fetched<FetchedCheckout>> {
    const fetchedAt = given?.fetchedAt ?? new Date();
    const session =
      given?.session ??
      (await this.gateway.find('checkout.sessions.retrieve', (s) => s.checkout.sessions.retrieve(sessionId, { expand: CHECKOUT_SESSION_EXPAND })));
    if (!session) return { object: null, fetchedAt };
    let subscription = typeof session.subscription === 'object' ? session.subscription : null;
    if (typeof session.subscription === 'string' && session.status === 'complete' && session.mode === 'subscription') {
      const id = session.subscription;
      subscription = await this.gateway.find('subscriptions.retrieve', (s) => s.subscriptions.retrieve(id, { expand: SUBSCRIPTION_EXPAND }));
    }
    return { object: { session, fetchedAt, subscription }, fetchedAt };
  }

  /** Fetches a customer (deleted or not), outside any transaction. */
  async fetchCustomer(customerId: string): Promise<Fetched<Stripe.Customer | Stripe.DeletedCustomer>> {
    const fetchedAt = new Date();
    return { object: await this.gateway.find('customers.retrieve', (s) => s.customers.retrieve(customerId)), fetchedAt };
  }

  /** Writes a fetched subscription onto the billable owning its customer, under its row lock; no Stripe call. */
  async applySubscription(tx: PaymentsTx, subscriptionId: string, fetched: Fetched<Stripe.Subscription>, options: ApplyOptions): Promise<SyncOutcome | null> {
    const sub = fetched.object;
    if (!sub) {
      this.logger.warn(`Subscription ${subscriptionId} not found at Stripe; nothing to sync.`);
      return null;
    }
    // An ended subscription never links its customer through the hint: delivered after
    // customer.deleted (Stripe keeps no order) it would re-link the deleted customer.
    const hint = ENDED_STATUSES.includes(sub.status) ? null : (options.billableIdHint ?? sub.metadata?.billable_id);
    const owner = await this.lockOwner(tx, refId(sub.customer), hint);
    if (!owner) return this.noOwner(sub);
    return this.applier.apply(tx, owner.billable, sub, { fetchedAt: fetched.fetchedAt, event: options.event ?? null, link: owner.link, lookups: options.lookups });
  }

  /** Applies a fetched checkout session (see `syncCheckoutSession`) under the owner's row lock; no Stripe call. */
  async applyCheckoutSession(
    tx: PaymentsTx,
    fetched: Fetched<FetchedCheckout>,
    options: ApplyOptions,
  ): Promise<{ session: Stripe.Checkout.Session; billable: Billable | null }> {
    if (!fetched.object) throw new PaymentsException(404, 'checkout_not_found', 'No such checkout session.');
    const { session, subscription } = fetched.object;
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
    if (!subscription) return { session, billable: owner.billable };
    const outcome = await this.applier.apply(tx, owner.billable, subscription, { fetchedAt: fetched.fetchedAt, event: options.event ?? null, link: owner.link, lookups: options.lookups });
    return { session, billable: outcome.billable };
  }

  /** Applies a fetched customer: when Stripe has it deleted, its billable goes back to free under its row lock. */
  async applyCustomerDeleted(tx: PaymentsTx, customerId: string, fetched: Fetched<Stripe.Customer | Stripe.DeletedCustomer>, options: SyncOptions): Promise<SyncOutcome | null> {
    const existing = fetched.object;
    if (existing && !(existing as Stripe.DeletedCustomer).deleted) return null;
    const billable = await this.store.lockByCustomerId(tx, customerId);
    if (!billable) return null;
    const previous = snapshotState(billable);
    const ended = previous.subscriptionStatus && previous.subscriptionStatus !== 'incomplete_expired' ? 'canceled' : previous.subscriptionStatus;
    await this.store.writeState(tx, billable, { stripeCustomerId: null, plan: null, subscriptionStatus: ended, pastDueSince: null, billingSyncedAt: new Date() });
    const current = snapshotState(billable);
    await this.applier.emit(tx, billable, previous, current, billingTransitions(previous, current), options.event ?? null);
    return { billable, previous, current };
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
