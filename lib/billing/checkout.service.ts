import { Inject, Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { isSubscribed, LIVE_STATUSES } from '../access/billing-status';
import { PaymentsException } from '../common/payments.exception';
import { PaymentsRoutes } from '../common/payments-routes';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { Billable, BillableStore } from '../persistence/billable-store';
import { KeyedMutex } from '../persistence/keyed-mutex';
import { PaymentsTransactions } from '../persistence/payments-transactions';
import { PlanCatalog } from '../plans/plan-catalog';
import { BillingInterval } from '../plans/plan.types';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { BillingSyncService } from '../webhooks/sync/billing-sync.service';
import { resolvePaidPrice, resolveRedirectOrThrow, ResolvedPrice } from './billing-inputs';
import { checkExtraParams, CheckoutExtraParams, checkoutParamsInvalid, promotionCodeInvalid } from './checkout-params';
import { billableNotFound, StripeCustomersService } from './stripe-customers.service';

/** What `checkout` needs: a plan key, never a price id; redirects are checked against the allow-list. */
export interface CheckoutInput {
  plan: string;
  interval?: BillingInterval;
  successUrl?: string;
  cancelUrl?: string;
  /** A customer-facing promotion code (needs `allowPromotionCodes`). */
  promotionCode?: string;
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
 * billable are serialized (in-process mutex + row lock across instances), an open session for the
 * same price and redirects is reused, any other is expired before a new one exists, and a billable
 * with a live subscription at Stripe gets 409 instead of a second subscription.
 */
@Injectable()
export class CheckoutService {
  private readonly logger = new Logger('Payments:Billing');
  private readonly mutex = new KeyedMutex();
  /** Keys a `checkoutParams` hook was refused for, so each is logged once rather than per request. */
  private readonly reportedKeys = new Set<string>();

  constructor(
    private readonly catalog: PlanCatalog,
    private readonly store: BillableStore,
    private readonly transactions: PaymentsTransactions,
    private readonly gateway: StripeGateway,
    private readonly customers: StripeCustomersService,
    private readonly sync: BillingSyncService,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly routes: PaymentsRoutes,
  ) {}

  /**
   * A Checkout session URL for the billable; 409 `already_subscribed` when it has a live subscription.
   * `request` is handed to the `checkoutParams` hook (the HTTP route passes the caller's).
   */
  async checkout(billableId: string, input: CheckoutInput, request?: unknown): Promise<CheckoutResult> {
    // Every check that needs no Stripe comes first: a rejected request makes no Stripe call (R10).
    const price = resolvePaidPrice(this.catalog, input.plan, input.interval);
    const successUrl = resolveRedirectOrThrow(this.options, 'success', 'successUrl', input.successUrl);
    const cancelUrl = resolveRedirectOrThrow(this.options, 'cancel', 'cancelUrl', input.cancelUrl);
    if (input.promotionCode !== undefined && !this.options.allowPromotionCodes) {
      // As for any field a client may not set (R10): the option turns the field on.
      throw new PaymentsException(400, 'invalid_request', 'The request has invalid or unknown fields.', {
        errors: [{ field: 'promotionCode', messages: ['promotion codes are not accepted'] }],
      });
    }
    const known = await this.store.findById(billableId);
    if (!known) throw billableNotFound();
    if (this.hasLiveSubscription(known)) throw alreadySubscribed(this.routes);
    const extra = await this.extraParams(known, price, request);
    const promotionCode = input.promotionCode === undefined ? null : await this.findPromotionCode(input.promotionCode, known.stripeCustomerId);

    const outcome = await this.mutex.run(billableId, async () => {
      await this.customers.ensureCustomer(billableId);
      return this.transactions.run(async (tx) => {
        const billable = (await this.store.lockById(tx, billableId))!;
        if (this.hasLiveSubscription(billable)) return { subscribed: true as const };
        const customer = billable.stripeCustomerId as string;
        if (await this.liveSubscriptionAtStripe(customer)) return { subscribed: true as const };
        const session = await this.openOrCreateSession(billable, customer, price, { successUrl, cancelUrl, extra, promotionCode });
        return { subscribed: false as const, session };
      });
    });
    if (outcome.subscribed) {
      // Stripe knows of a subscription the webhook has not written yet: catch up outside the lock
      // (the sync takes it itself), then refuse the second checkout.
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

  /** The id of an active promotion code with this code that this customer may use, else 400 `promotion_code_invalid`. */
  private async findPromotionCode(code: string, customer: string | null): Promise<string> {
    const found = await this.gateway.call('promotionCodes.list', (s) => s.promotionCodes.list({ code, active: true, limit: 1 }));
    const promo = found.data[0];
    const owner = promo && (typeof promo.customer === 'string' ? promo.customer : promo.customer?.id ?? null);
    // A code kept for one customer is, for anyone else, as good as unknown.
    if (!promo || (owner && owner !== customer)) throw promotionCodeInvalid();
    return promo.id;
  }

  private async openOrCreateSession(
    billable: Billable,
    customer: string,
    price: ResolvedPrice,
    choices: { successUrl: string; cancelUrl: string; extra: CheckoutExtraParams; promotionCode: string | null },
  ): Promise<Stripe.Checkout.Session> {
    const { successUrl, cancelUrl, extra, promotionCode } = choices;
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
        (session.metadata?.promotion_code ?? null) === promotionCode,
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
    const trialDays = this.trialDays(billable, price);
    // The newest session of ours is part of the key so a plan switched back and forth gets a new
    // session instead of Stripe replaying one we have expired since; a plain retry keeps the key.
    const idempotencyKey = this.gateway.idempotencyKey({
      owner: billableId,
      action: 'checkout.create',
      inputs: { price: price.priceId, successUrl, cancelUrl, trialDays, after: ours[0]?.id ?? null, extra, promotionCode },
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
          // Metered prices go without a quantity (Stripe refuses one): usage sets what they bill.
          line_items: this.catalog.checkoutLines(price.plan.key, price.priceId),
          success_url: successUrl,
          cancel_url: cancelUrl,
          metadata: { billable_id: billableId, plan: price.plan.key, price: price.priceId, ...(promotionCode ? { promotion_code: promotionCode } : {}) },
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

  /** Trial days from the plan only, and at most once per billable unless the options allow more. */
  private trialDays(billable: Billable, price: ResolvedPrice): number | undefined {
    if (!price.plan.trialDays) return undefined;
    const firstTime = !billable.trialUsed && !billable.stripeSubscriptionId;
    return !this.options.trial.oncePerBillable || firstTime ? price.plan.trialDays : undefined;
  }
}

/** 409 with the routes to use instead (global prefix included). */
export function alreadySubscribed(routes: PaymentsRoutes): PaymentsException {
  return new PaymentsException(409, 'already_subscribed', 'You already have a subscription; change plan or manage it in the billing portal instead.', {
    upgradeUrl: routes.path('upgrade'),
    portalUrl: routes.path('portal'),
  });
}
