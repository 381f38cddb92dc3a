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
import { ChangePlanInput, ChangePlanResult, PlanChangeService } from './plan-change.service';
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
    private readonly enrols: EnrolService,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  /** The public plan catalogue with prices (amounts cached from Stripe). */
  async plans(): Promise<{ plans: PlanView[] }> {
    return { plans: await this.plansCatalogue.plans() };
  }

  /** The billable's billing state from the database (no Stripe call). */
  async getSubscription(billableId: string): Promise<SubscriptionView> {
    const billable = await this.store.findById(billableId);
    if (!billable) throw billableNotFound();
    return subscriptionView(billable, this.catalog, this.options.pastDue);
  }

  /** A Stripe Checkout session for a paid plan; reuses the billable's open one for the same price. */
  checkout(billableId: string, input: CheckoutInput): Promise<CheckoutResult> {
    return this.checkouts.checkout(billableId, input);
  }

  /** Syncs a checkout session of this billable from Stripe and answers the resulting state. */
  checkoutStatus(billableId: string, sessionId: string): Promise<CheckoutStatusView> {
    return this.checkoutStatuses.status(billableId, sessionId);
  }

  /** A Stripe billing portal URL; 400 `no_customer` for a billable that never went through checkout. */
  async portal(billableId: string, input: { returnUrl?: string } = {}): Promise<{ url: string }> {
    const returnUrl = resolveRedirectOrThrow(this.options, 'portalReturn', 'returnUrl', input.returnUrl);
    const billable = await this.store.findById(billableId);
    if (!billable) throw billableNotFound();
    const customer = billable.stripeCustomerId;
    if (!customer) throw new PaymentsException(400, 'no_customer', 'There is no billing account to manage yet; subscribe first.');
    const idempotencyKey = idempotencyKeyFor({ owner: billableId, action: 'portal.create', inputs: { customer, returnUrl } }, PORTAL_KEY_WINDOW_SECONDS);
    const session = await this.gateway.call('billingPortal.sessions.create', (s) =>
      s.billingPortal.sessions.create({ customer, return_url: returnUrl }, { idempotencyKey }),
    );
    this.logger.log(`portal session ${session.id} for billable ${billableId}`);
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
}
