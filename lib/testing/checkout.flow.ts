import type Stripe from 'stripe';
import { FakeContext } from './fake-context';
import { CompleteCheckoutOptions, CompleteCheckoutResult } from './fake-stripe.types';
import { buildCustomerDetails } from './objects/checkout-session.factory';
import { buildCustomer } from './objects/customer.factory';
import { buildCardPaymentMethod } from './objects/payment-method.factory';
import { badParam, missing } from './stripe-api.error';
import { OneTimePayments } from './one-time-payments';
import { createPaymentInvoice } from './payment-invoice';
import { SubscriptionEngine } from './subscription.engine';

/**
 * What happens when a person pays on the hosted checkout page. Shared by the HTML page and
 * `fake.completeCheckout`, so both produce the same objects and events.
 */
export class CheckoutFlow {
  /** The PaymentIntents, Charges and Refunds of payment-mode sessions. */
  readonly payments: OneTimePayments;

  constructor(private readonly ctx: FakeContext, private readonly engine: SubscriptionEngine) {
    this.payments = new OneTimePayments(ctx);
  }

  session(id: string): Stripe.Checkout.Session {
    const session = this.ctx.store.checkoutSessions.get(id);
    if (!session) throw missing('checkout.session', id, 'session');
    return session;
  }

  complete(sessionId: string, options: CompleteCheckoutOptions = {}): CompleteCheckoutResult {
    const { ctx } = this;
    const session = this.session(sessionId);
    const extras = ctx.store.sessionExtras.get(sessionId)!;
    if (session.status !== 'open') {
      throw badParam('session', `This Checkout Session is ${session.status} and can no longer be paid.`, 'checkout_session_not_open');
    }
    const card = options.card ?? 'success';
    if (card === 'decline') {
      extras.lastError = 'Your card was declined.';
      return { error: 'card_declined' };
    }
    if (card === 'requires_action' && !options.authenticate) {
      extras.lastError = 'Authentication required: the person did not complete 3-D Secure.';
      return { error: 'authentication_required' };
    }
    extras.lastError = undefined;
    const email = options.email ?? extras.customerEmail ?? 'buyer@example.com';
    let customerId = session.customer as string | null;
    if (!customerId && (session.mode === 'subscription' || session.customer_creation === 'always')) {
      const customer = buildCustomer({ id: ctx.id('cus_', 14), created: ctx.now(), email, name: options.name ?? null });
      ctx.store.customers.set(customer.id, customer);
      ctx.emit('customer.created', customer);
      customerId = customer.id;
    }
    if (customerId) ctx.store.cards.set(customerId, card);
    const paymentMethod = customerId ? this.savedCard(customerId, options, email) : null;
    session.customer = customerId;
    session.customer_details = buildCustomerDetails(email, options.name ?? null);
    let subscriptionId: string | undefined;
    if (session.mode === 'subscription') {
      const sub = this.engine.create({
        customer: customerId!,
        items: extras.lines,
        trialEnd: extras.trialEnd ?? (extras.trialPeriodDays ? ctx.now() + extras.trialPeriodDays * 86_400 : null),
        metadata: extras.subscriptionMetadata,
        billingMode: extras.billingMode,
        defaultPaymentMethod: paymentMethod,
        automaticTax: session.automatic_tax?.enabled === true,
        discounts: (session.discounts ?? []).map((d) => ({ coupon: (d.coupon as string | null) ?? null, promotion_code: (d.promotion_code as string | null) ?? null })),
        checkoutSession: session.id,
        // The person already passed any challenge on the page, so this first charge succeeds.
        card: 'success',
      });
      subscriptionId = sub.id;
      session.subscription = sub.id;
      session.invoice = sub.latest_invoice as string;
      const invoice = ctx.store.invoices.get(sub.latest_invoice as string);
      session.payment_status = invoice && invoice.amount_due === 0 ? 'no_payment_required' : 'paid';
    } else if (options.asyncPayment) {
      // A bank debit: the session completes now and is paid later (`settleAsyncPayment`).
      session.payment_intent = ctx.id('pi_');
      session.payment_status = 'unpaid';
    } else {
      session.payment_intent = this.pay(session).id;
      session.payment_status = 'paid';
      createPaymentInvoice(ctx, session, session.payment_intent);
    }
    session.status = 'complete';
    // Stripe drops the URL once the session can no longer be paid.
    session.url = null;
    ctx.emit('checkout.session.completed', session);
    const redirectUrl = session.success_url?.replace(/\{CHECKOUT_SESSION_ID\}/g, session.id) ?? undefined;
    return { redirectUrl, subscriptionId, customerId: customerId ?? undefined };
  }

  /**
   * The card the person paid with, saved on the customer as Checkout does. Its fingerprint is
   * `options.cardFingerprint` (the same card on several accounts), else one of its own.
   */
  private savedCard(customerId: string, options: CompleteCheckoutOptions, email: string): string {
    const { ctx } = this;
    const pm = buildCardPaymentMethod({
      id: ctx.id('pm_'),
      created: ctx.now(),
      customer: customerId,
      fingerprint: options.cardFingerprint ?? ctx.id('', 16),
      email,
      name: options.name ?? null,
    });
    // No `payment_method.attached` event: the module does not listen to it, and tests count events.
    ctx.store.paymentMethods.set(pm.id, pm);
    return pm.id;
  }

  /** A delayed payment of a completed payment-mode session succeeds: `checkout.session.async_payment_succeeded`. */
  settleAsyncPayment(sessionId: string): Stripe.Checkout.Session {
    const session = this.session(sessionId);
    if (session.mode !== 'payment' || session.status !== 'complete' || session.payment_status !== 'unpaid') {
      throw badParam('session', 'Only a completed payment-mode session awaiting a delayed payment can settle.');
    }
    this.pay(session, session.payment_intent as string);
    session.payment_status = 'paid';
    createPaymentInvoice(this.ctx, session, session.payment_intent as string);
    this.ctx.emit('checkout.session.async_payment_succeeded', session);
    return session;
  }

  private pay(session: Stripe.Checkout.Session, intentId?: string): Stripe.PaymentIntent {
    const extras = this.ctx.store.sessionExtras.get(session.id)!;
    return this.payments.pay({
      amount: session.amount_total ?? 0, currency: session.currency ?? 'usd', customer: session.customer as string | null,
      metadata: extras.paymentIntentMetadata ?? {}, setupFutureUsage: extras.setupFutureUsage ?? null, intentId,
    });
  }

  expire(sessionId: string): Stripe.Checkout.Session {
    const session = this.session(sessionId);
    if (session.status !== 'open') {
      throw badParam('session', `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`, 'checkout_session_not_open');
    }
    session.status = 'expired';
    session.url = null;
    this.ctx.emit('checkout.session.expired', session);
    return session;
  }
}
