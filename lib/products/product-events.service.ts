import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { PaymentsTx } from '../persistence/payments-transactions';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { refId } from '../webhooks/sync/subscription-state.mapper';
import { ProductCatalog } from './product-catalog';
import { ProductGrants } from './product-grants.service';

/** Stripe event types that grant or take back one-time purchases, beside `checkout.session.completed`. */
export const PRODUCT_EVENT_TYPES: readonly string[] = ['checkout.session.async_payment_succeeded', 'charge.refunded'];

/** What a refund event needs, fetched before its transaction: the charge's refunds and the session that sold it. */
export interface FetchedRefunds {
  chargeId: string;
  paymentIntent: string | null;
  refunds: Stripe.Refund[];
  session: Stripe.Checkout.Session | null;
}

/**
 * The webhook half of products: `charge.refunded` re-fetches the charge's refunds (never the
 * payload's snapshot) and the Checkout Session of its payment intent, then applies them in the
 * event's transaction. A refund delivered before the purchase was granted grants it first, so
 * delivery order never loses a grant or a refund.
 */
@Injectable()
export class ProductEvents {
  private readonly logger = new Logger('Payments:Products');

  constructor(
    private readonly gateway: StripeGateway,
    private readonly grants: ProductGrants,
    private readonly products: ProductCatalog,
  ) {}

  /** False when no product is configured: then a refund (of a subscription invoice, say) costs no Stripe call here. */
  handles(): boolean {
    return this.products.list().length > 0;
  }

  /** Fetches what a `charge.refunded` names, with no transaction open. */
  async fetchRefunds(chargeId: string): Promise<FetchedRefunds> {
    const charge = await this.gateway.find('charges.retrieve', (s) => s.charges.retrieve(chargeId));
    const paymentIntent = charge ? refId(charge.payment_intent) : null;
    if (!charge || !paymentIntent) return { chargeId, paymentIntent, refunds: [], session: null };
    const refunds = await this.gateway.call('refunds.list', (s) => s.refunds.list({ charge: chargeId, limit: 100 }));
    const sessions = await this.gateway.call('checkout.sessions.list', (s) => s.checkout.sessions.list({ payment_intent: paymentIntent, limit: 1 }));
    return { chargeId, paymentIntent, refunds: refunds.data, session: sessions.data[0] ?? null };
  }

  /** Applies fetched refunds inside the event's transaction; no Stripe call. */
  async applyRefunds(tx: PaymentsTx, fetched: FetchedRefunds): Promise<void> {
    if (!fetched.paymentIntent) {
      this.logger.log(`Charge ${fetched.chargeId} has no payment intent at Stripe; no purchase to refund.`);
      return;
    }
    let purchase = await this.grants.purchaseOfPaymentIntent(tx.manager, fetched.paymentIntent);
    if (!purchase && fetched.session) purchase = await this.grants.applySession(tx, fetched.session);
    if (!purchase) {
      this.logger.log(`Charge ${fetched.chargeId} paid no purchase of this module; refund ignored.`);
      return;
    }
    await this.grants.applyRefunds(tx, purchase.id, fetched.refunds);
  }
}
