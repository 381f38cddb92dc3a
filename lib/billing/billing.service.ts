import { Inject, Injectable, Logger } from '@nestjs/common';
import { PaymentsException } from '../common/payments.exception';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { BillableStore } from '../persistence/billable-store';
import { PlanCatalog } from '../plans/plan-catalog';
import { idempotencyKeyFor } from '../stripe/idempotency-key';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { resolveRedirectOrThrow } from './billing-inputs';
import { CheckoutStatusService, CheckoutStatusView } from './checkout-status.service';
import { CheckoutInput, CheckoutResult, CheckoutService } from './checkout.service';
import { EnrolInput, EnrolService } from './enrol.service';
import { ChangePlanInput, ChangePlanPreview, ChangePlanResult, PlanChangeService } from './plan-change.service';
import { PaymentRecoveryService, PAYMENT_METHOD_UPDATE_FLOW } from './payment-recovery.service';
import { PlansCatalogueService, PlanView } from './plans-catalogue.service';
import { billableNotFound } from './stripe-customers.service';
import { SubscriptionCancelService } from './subscription-cancel.service';
import { subscriptionView, SubscriptionView } from './subscription.view';

/** Portal sessions are short-lived: a double click within a minute gets the same one, later clicks a fresh one. */
const PORTAL_KEY_WINDOW_SECONDS = 60;

/**
 * The billing operations for apps that call them from code (the HTTP routes use the same methods).
 * Every method acts on the billable id it is given; the controller passes the caller's own.
 * `authorizeBilling` guards the HTTP routes only: code that calls these methods has already decided
 * that the action is allowed (e.g. an admin screen that checked the user's role itself).
 */
@Injectable()
export class BillingService {
  private readonly logger = new Logger('Payments:Billing');

  constructor(
    private readonly catalog: PlanCatalog,
    private readonly store: BillableStore,
    private readonly gateway: StripeGateway,
    private readonly plansCatalogue: PlansCatalogueService,
    private readonly checkouts: CheckoutService,
    private readonly checkoutStatuses: CheckoutStatusService,
    private readonly cancels: SubscriptionCancelService,
    private readonly planChanges: PlanChangeService,
    private readonly recovery: PaymentRecoveryService,
    private readonly enrols: EnrolService,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  /** The public plan catalogue with prices (amounts cached from Stripe). */
  async plans(): Promise<{ plans: PlanView[] }> {
    return { plans: await this.plansCatalogue.plans() };
  }

  /**
   * The billable's billing state from the database; while a payment is awaited (past_due,
   * incomplete, unpaid) also `paymentRecovery`, whose invoice link costs one Stripe call.
   */
  async getSubscription(billableId: string): Promise<SubscriptionView> {
    const billable = await this.store.findById(billableId);
    if (!billable) throw billableNotFound();
    const view = subscriptionView(billable, this.catalog, this.options.pastDue);
    const paymentRecovery = await this.recovery.forState(billableId, billable);
    return paymentRecovery ? { ...view, paymentRecovery } : view;
  }

  /** A Stripe Checkout session for a paid plan; reuses the billable's open one for the same price. `request` reaches the `checkoutParams` hook. */
  checkout(billableId: string, input: CheckoutInput, request?: unknown): Promise<CheckoutResult> {
    return this.checkouts.checkout(billableId, input, request);
  }

  /** Syncs a checkout session of this billable from Stripe and answers the resulting state. */
  checkoutStatus(billableId: string, sessionId: string): Promise<CheckoutStatusView> {
    return this.checkoutStatuses.status(billableId, sessionId);
  }

  /**
   * A Stripe billing portal URL; 400 `no_customer` for a billable that never went through checkout.
   * `flow: 'payment_method_update'` opens it on the payment method update (Stripe's `flow_data`).
   */
  async portal(billableId: string, input: { returnUrl?: string; flow?: typeof PAYMENT_METHOD_UPDATE_FLOW } = {}): Promise<{ url: string }> {
    const returnUrl = resolveRedirectOrThrow(this.options, 'portalReturn', 'returnUrl', input.returnUrl);
    const billable = await this.store.findById(billableId);
    if (!billable) throw billableNotFound();
    const customer = billable.stripeCustomerId;
    if (!customer) throw new PaymentsException(400, 'no_customer', 'There is no billing account to manage yet; subscribe first.');
    const flow = input.flow;
    const idempotencyKey = idempotencyKeyFor({ owner: billableId, action: 'portal.create', inputs: { customer, returnUrl, ...(flow ? { flow } : {}) } }, PORTAL_KEY_WINDOW_SECONDS);
    const session = await this.gateway.call('billingPortal.sessions.create', (s) =>
      s.billingPortal.sessions.create({ customer, return_url: returnUrl, ...(flow ? { flow_data: { type: flow } } : {}) }, { idempotencyKey }),
    );
    // The session id only: its URL signs the customer in.
    this.logger.log(`portal session ${session.id} for billable ${billableId}${flow ? ` (${flow})` : ''}`);
    return { url: session.url };
  }

  /** Cancels at the period end (default) or now (`immediately`, when the options allow it). Idempotent. */
  cancel(billableId: string, input: { immediately?: boolean } = {}): Promise<SubscriptionView> {
    return this.cancels.cancel(billableId, input);
  }

  /** Undoes a cancel during the grace period. */
  resume(billableId: string): Promise<SubscriptionView> {
    return this.cancels.resume(billableId);
  }

  /**
   * Puts a new billable (its row saved already) on the free plan, e.g. on signup. No Stripe call when
   * the free plan has no price; with a $0 price, one customer (named by `input`) and one subscription,
   * however often it is called. Idempotent.
   */
  async enrol(billableId: string, input: EnrolInput = {}): Promise<SubscriptionView> {
    const billable = await this.enrols.enrol(billableId, input);
    return subscriptionView(billable, this.catalog, this.options.pastDue);
  }

  /** Changes plan: upgrades prorate now and apply once paid; downgrades follow the `downgrade` option. */
  changePlan(billableId: string, input: ChangePlanInput): Promise<ChangePlanResult> {
    return this.planChanges.changePlan(billableId, input);
  }

  /** What `changePlan` would charge now (or on the next invoice), from Stripe's invoice preview; changes nothing. */
  previewPlanChange(billableId: string, input: ChangePlanInput): Promise<ChangePlanPreview> {
    return this.planChanges.previewPlanChange(billableId, input);
  }
}
