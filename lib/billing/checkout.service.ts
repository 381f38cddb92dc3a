import { Inject, Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { isSubscribed, LIVE_STATUSES } from '../access/billing-status';
import { StripeCallBudgetGuard } from '../budget/stripe-call-budget.guard';
import { PaymentsException } from '../common/payments.exception';
import { PaymentsRoutes } from '../common/payments-routes';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { Billable, BillableStore } from '../persistence/billable-store';
import { BillableLeases, stripeWorkTerms } from '../persistence/billable-leases';
import { PlanCatalog } from '../plans/plan-catalog';
import { BillingInterval } from '../plans/plan.types';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { BillingSyncService } from '../webhooks/sync/billing-sync.service';
import { resolvePaidPrice, resolveRedirectOrThrow, ResolvedPrice } from './billing-inputs';
import { checkExtraParams, CheckoutExtraParams, checkoutParamsInvalid } from './checkout-params';
import { assertPromotionCodesAccepted, findPromotionCode } from './promotion-codes';
import { billableNotFound, StripeCustomersService } from './stripe-customers.service';
import { trialAlreadyUsed, TrialFingerprints } from './trial-fingerprints.service';
import { checkoutLineItems } from '../seats/seat-line-items';
import { checkoutSeats } from '../seats/seat-quantity';

/** What `checkout` needs: a plan key, never a price id; redirects are checked against the allow-list. */
export interface CheckoutInput {
  plan: string;
  interval?: BillingInterval;
  successUrl?: string;
  cancelUrl?: string;
  /** A customer-facing promotion code (needs `allowPromotionCodes`). */
  promotionCode?: string;
  /** Seats to buy, on a plan sold per seat (default its `seats.min`); 400 on any other plan. */
  quantity?: number;
}

/** A Stripe Checkout session to send the customer to. */
export interface CheckoutResult {
  url: string;
  sessionId: string;
}

/** How many recent sessions are read to find ours: we keep at most one open, so a few suffice. */
const RECENT_SESSIONS = 20;

/**
 * Creates Stripe Checkout sessions with one open session per billable at most: requests of one
 * billable are serialized across instances by its 'checkout' lease (see BillableLeases; no
 * transaction is open during the Stripe calls), an open session for the
 * same price and redirects is reused, any other is expired before a new one exists, and a billable
 * with a live subscription at Stripe gets 409 instead of a second subscription.
 */
@Injectable()
export class CheckoutService {
  private readonly logger = new Logger('Payments:Billing');
  /** Keys a `checkoutParams` hook was refused for, so each is logged once rather than per request. */
  private readonly reportedKeys = new Set<string>();

  constructor(
    private readonly catalog: PlanCatalog,
    private readonly store: BillableStore,
    private readonly leases: BillableLeases,
    private readonly gateway: StripeGateway,
    private readonly customers: StripeCustomersService,
    private readonly sync: BillingSyncService,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly routes: PaymentsRoutes,
    private readonly trials: TrialFingerprints,
    private readonly budget: StripeCallBudgetGuard,
  ) {}

  /**
   * A Checkout session URL for the billable; 409 `already_subscribed` when it has a live subscription.
   * `request` is handed to the `checkoutParams` hook (the HTTP route passes the caller's).
   */
  async checkout(billableId: string, input: CheckoutInput, request?: unknown): Promise<CheckoutResult> {
    // Every check that needs no Stripe comes first: a rejected request makes no Stripe call (R10).
    const price = resolvePaidPrice(this.catalog, input.plan, input.interval);
    const seats = checkoutSeats(price.plan, input.quantity);
    const successUrl = resolveRedirectOrThrow(this.options, 'success', 'successUrl', input.successUrl);
    const cancelUrl = resolveRedirectOrThrow(this.options, 'cancel', 'cancelUrl', input.cancelUrl);
    assertPromotionCodesAccepted(this.options, input.promotionCode);
    const known = await this.store.findById(billableId);
    if (!known) throw billableNotFound();
    if (this.hasLiveSubscription(known)) throw alreadySubscribed(this.routes);
    const extra = await this.extraParams(known, price, request);
    const promotionCode = input.promotionCode === undefined ? null : await findPromotionCode(this.gateway, input.promotionCode, known.stripeCustomerId);

    // The billable's checkout lease (committed at once, no transaction open while Stripe answers)
    // lets one checkout of this billable at a time, on any instance, look at Stripe and decide.
    const terms = stripeWorkTerms(this.options, checkoutInProgress);
    const outcome = await this.leases.hold(billableId, 'checkout', terms, async () => {
      // Read after the lease is ours: what an earlier holder wrote (customer, subscription) is seen.
      const billable = await this.customers.ensureCustomer(billableId);
      if (this.hasLiveSubscription(billable)) return { subscribed: true as const };
      // Whether this payer already had a trial elsewhere (may refuse with 409).
      const repeatTrial = await this.isRepeatTrial(billable, price);
      if (await this.liveSubscriptionAtStripe(billable.stripeCustomerId)) return { subscribed: true as const };
      const session = await this.openOrCreateSession(billable, billable.stripeCustomerId, price, { successUrl, cancelUrl, extra, promotionCode, repeatTrial, seats });
      return { subscribed: false as const, session };
    });
    if (outcome.subscribed) {
      // Stripe may know of a subscription the webhook has not written yet: catch up after the
      // lease is released, then refuse the second checkout.
      await this.sync.syncBillable(billableId).catch(() => null);
      throw alreadySubscribed(this.routes);
    }
    return { url: outcome.session.url as string, sessionId: outcome.session.id };
  }

  private hasLiveSubscription(billable: Billable): boolean {
    return isSubscribed(billable, new Date(), this.options.pastDue) || (billable.subscriptionStatus !== null && LIVE_STATUSES.includes(billable.subscriptionStatus));
  }

  private async liveSubscriptionAtStripe(customer: string): Promise<boolean> {
    const list = await this.gateway.call('subscriptions.list', (s) => s.subscriptions.list({ customer, limit: 10 }));
    return list.data.some((sub) => LIVE_STATUSES.includes(sub.status));
  }

  /** The `checkoutParams` hook's parameters, or 500 `checkout_params_invalid` when it sets what the module decides. */
  private async extraParams(billable: Billable, price: ResolvedPrice, request: unknown): Promise<CheckoutExtraParams> {
    if (!this.options.checkoutParams) return {};
    const checked = checkExtraParams(await this.options.checkoutParams(billable, price.plan, request));
    if ('params' in checked) return checked.params;
    const fresh = checked.refused.filter((key) => !this.reportedKeys.has(key));
    if (fresh.length > 0) {
      fresh.forEach((key) => this.reportedKeys.add(key));
      this.logger.error(`checkoutParams returned ${fresh.join(', ')}, which the module decides; checkouts are refused until the hook returns only allowed keys`);
    }
    throw checkoutParamsInvalid();
  }

  private async openOrCreateSession(
    billable: Billable,
    customer: string,
    price: ResolvedPrice,
    choices: { successUrl: string; cancelUrl: string; extra: CheckoutExtraParams; promotionCode: string | null; repeatTrial: boolean; seats: number | null },
  ): Promise<Stripe.Checkout.Session> {
    const { successUrl, cancelUrl, extra, promotionCode, repeatTrial, seats } = choices;
    const billableId = this.store.idOf(billable);
    const recent = await this.gateway.call('checkout.sessions.list', (s) => s.checkout.sessions.list({ customer, limit: RECENT_SESSIONS }));
    const ours = recent.data.filter((session) => session.mode === 'subscription' && session.metadata?.billable_id === billableId);
    const open = ours.filter((session) => session.status === 'open' && session.url);
    // Reused only when it would send the customer to the same places: a new successUrl/cancelUrl
    // gets a new session (the old one is expired below), not one that returns to the old pages.
    const reusable = open.find(
      (session) =>
        session.metadata?.price === price.priceId &&
        session.success_url === successUrl &&
        session.cancel_url === cancelUrl &&
        (session.metadata?.promotion_code ?? null) === promotionCode &&
        (session.metadata?.seats ?? null) === (seats === null ? null : String(seats)),
    );
    if (reusable) {
      this.logger.log(`checkout ${reusable.id} reused for billable ${billableId}`);
      return reusable;
    }
    for (const stale of open) {
      // Two open sessions could both be paid: close the old one before offering another plan.
      await this.gateway.call('checkout.sessions.expire', (s) =>
        s.checkout.sessions.expire(stale.id, {}, { idempotencyKey: this.gateway.idempotencyKey({ owner: billableId, action: 'checkout.expire', inputs: { session: stale.id } }) }),
      );
    }
    const trialDays = repeatTrial ? undefined : this.trialDays(billable, price);
    // The newest session of ours is part of the key so a plan switched back and forth gets a new
    // session instead of Stripe replaying one we have expired since; a plain retry keeps the key.
    const idempotencyKey = this.gateway.idempotencyKey({
      owner: billableId,
      action: 'checkout.create',
      inputs: { price: price.priceId, successUrl, cancelUrl, trialDays, after: ours[0]?.id ?? null, extra, promotionCode, ...(seats === null ? {} : { seats }) },
    });
    const { allow_promotion_codes: allowCodes, ...otherExtras } = extra;
    const session = await this.gateway.call('checkout.sessions.create', (s) =>
      s.checkout.sessions.create(
        {
          // The app's extras first: nothing below can be overridden by them (they are allow-listed too).
          ...otherExtras,
          // Stripe takes either the code field on its page or a discount applied here, not both.
          ...(promotionCode ? { discounts: [{ promotion_code: promotionCode }] } : allowCodes !== undefined ? { allow_promotion_codes: allowCodes } : {}),
          mode: 'subscription',
          customer,
          client_reference_id: billableId,
          line_items: checkoutLineItems(this.catalog, price, seats),
          success_url: successUrl,
          cancel_url: cancelUrl,
          metadata: {
            billable_id: billableId,
            plan: price.plan.key,
            price: price.priceId,
            ...(promotionCode ? { promotion_code: promotionCode } : {}),
            ...(seats === null ? {} : { seats: String(seats) }),
          },
          // Flexible is Stripe's default since 2025-09-30; said explicitly so an account or a
          // Dashboard setting defaulting to classic cannot change how plan changes are prorated.
          subscription_data: { billing_mode: { type: 'flexible' }, metadata: { billable_id: billableId }, ...(trialDays ? { trial_period_days: trialDays } : {}) },
        },
        { idempotencyKey },
      ),
    );
    this.logger.log(`checkout ${session.id} created for billable ${billableId} (plan ${price.plan.key})`);
    return session;
  }

  /**
   * With `trial.oncePerCard`/`oncePerEmail`, whether the customer's e-mail or a saved card had a
   * trial on another billable; 409 `trial_already_used` instead with `onRepeat: 'refuse'`. Only asked
   * when the plan would give this billable a trial.
   */
  private async isRepeatTrial(billable: Billable & { stripeCustomerId: string }, price: ResolvedPrice): Promise<boolean> {
    if (!this.trials.enabled || !this.trialDays(billable, price)) return false;
    // Charged only when made, beside the route's fixed cost: most apps leave these checks off.
    const lookups = Number(this.options.trial.oncePerCard) + Number(this.options.trial.oncePerEmail);
    if (!(await this.budget.tryCharge(this.store.idOf(billable), lookups))) {
      throw new PaymentsException(429, 'too_many_requests', 'Too many billing requests; try again in a minute.');
    }
    const evidence = await this.trials.fromCustomer(billable.stripeCustomerId);
    const repeats = await this.trials.repeats(this.store.idOf(billable), evidence);
    if (!repeats.card && !repeats.email) return false;
    if (this.options.trial.onRepeat === 'refuse') throw trialAlreadyUsed();
    this.logger.log(`checkout for billable ${this.store.idOf(billable)} opens without a trial: its ${repeats.card ? 'card' : 'e-mail'} already had one`);
    return true;
  }

  /** Trial days from the plan only, and at most once per billable unless the options allow more. */
  private trialDays(billable: Billable, price: ResolvedPrice): number | undefined {
    if (!price.plan.trialDays) return undefined;
    const firstTime = !billable.trialUsed && !billable.stripeSubscriptionId;
    return !this.options.trial.oncePerBillable || firstTime ? price.plan.trialDays : undefined;
  }
}

/** Another checkout of this billable held the lease for longer than this request waits. */
export function checkoutInProgress(): PaymentsException {
  return new PaymentsException(409, 'checkout_in_progress', 'Another checkout of this account is being prepared; try again in a moment.');
}

/** 409 with the routes to use instead (global prefix included). */
export function alreadySubscribed(routes: PaymentsRoutes): PaymentsException {
  return new PaymentsException(409, 'already_subscribed', 'You already have a subscription; change plan or manage it in the billing portal instead.', {
    upgradeUrl: routes.path('upgrade'),
    portalUrl: routes.path('portal'),
  });
}
