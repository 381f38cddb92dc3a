import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { PaymentsException } from '../common/payments.exception';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { BillableStore } from '../persistence/billable-store';
import { PlanCatalog } from '../plans/plan-catalog';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { BillingSyncService, CHECKOUT_SESSION_EXPAND, ownBillableId } from '../webhooks/sync/billing-sync.service';
import { billableNotFound } from './stripe-customers.service';
import { subscriptionView, SubscriptionView } from './subscription.view';
import { ProductGrants } from '../products/product-grants.service';
import { purchaseView, PurchaseView } from '../products/purchase.view';

/** `GET /checkout/status`: the session's state and the caller's billing state after an on-demand sync. */
export interface CheckoutStatusView {
  session: { id: string; status: Stripe.Checkout.Session.Status | null; paymentStatus: Stripe.Checkout.Session.PaymentStatus };
  subscription: SubscriptionView;
  /** For a one-time product checkout: the purchase once paid and granted (null until then). */
  purchase?: PurchaseView | null;
}

/**
 * The success page's call: syncs from Stripe right away, because the webhook may not have landed
 * yet, through the same sync code as the webhook (so one row and no stale state either way).
 */
@Injectable()
export class CheckoutStatusService {
  constructor(
    private readonly store: BillableStore,
    private readonly gateway: StripeGateway,
    private readonly sync: BillingSyncService,
    private readonly catalog: PlanCatalog,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly grants: ProductGrants,
  ) {}

  /** Syncs the caller's own session and answers its state; another billable's session is a 404. */
  async status(billableId: string, sessionId: string): Promise<CheckoutStatusView> {
    const billable = await this.store.findById(billableId);
    if (!billable) throw billableNotFound();
    // Ownership is checked before the sync, so a foreign id can neither link nor reveal anything.
    const fetchedAt = new Date();
    const session = await this.gateway.find('checkout.sessions.retrieve', (s) => s.checkout.sessions.retrieve(sessionId, { expand: CHECKOUT_SESSION_EXPAND }));
    const owned = session !== null && ownBillableId(session) === billableId && (!billable.stripeCustomerId || session.customer === billable.stripeCustomerId);
    if (!owned) throw new PaymentsException(404, 'checkout_not_found', 'No checkout session with this id belongs to you.');
    const synced = await this.sync.syncCheckoutSession(sessionId, { fetched: { session, fetchedAt } });
    // A one-time purchase is granted here or by the webhook, whichever commits first (keyed by the session id).
    const purchase = synced.session.mode === 'payment' ? await this.grants.grantSession(synced.session) : undefined;
    const state = (await this.store.findById(billableId)) ?? billable;
    return {
      session: { id: synced.session.id, status: synced.session.status, paymentStatus: synced.session.payment_status },
      subscription: subscriptionView(state, this.catalog, this.options.pastDue),
      ...(purchase === undefined ? {} : { purchase: purchase ? purchaseView(purchase) : null }),
    };
  }
}
