import { applyDecorators } from '@nestjs/common';
import { DocErrors, DocOperation, DocResponse } from '../common/api-docs';
import type { PaymentsErrorCode } from '../common/payments.exception';
import { ChangePlanAnswer, CheckoutAnswer, CheckoutStatusAnswer, PlansAnswer, PortalAnswer, SubscriptionModel } from './billing.api-models';

// The OpenAPI description of each billing route (no-ops without @nestjs/swagger), kept here so the
// controllers carry one line per route.

const AUTH = { 401: ['unauthenticated'], 404: ['billable_not_found'] } as const;
const STRIPE_DOWN = { 502: ['stripe_error'], 503: ['stripe_unavailable'] } as const;

function route(summary: string, status: number, type: unknown, errors: Record<number, readonly PaymentsErrorCode[]>): MethodDecorator {
  return applyDecorators(DocOperation({ summary }), DocResponse({ status, description: summary, type }), DocErrors(errors));
}

/** `GET /plans`. */
export const DocPlans = () => route('The public plan catalogue', 200, PlansAnswer, {});
/** `GET /subscription`. */
export const DocSubscription = () => route("The caller's billing state", 200, SubscriptionModel, AUTH);
/** `POST /checkout`. */
export const DocCheckout = () =>
  route('Start a Stripe Checkout for a plan or a one-time product', 200, CheckoutAnswer, {
    400: ['invalid_request', 'invalid_plan', 'free_plan_checkout', 'invalid_redirect', 'promotion_code_invalid', 'invalid_product', 'quantity_out_of_range'],
    ...AUTH,
    409: ['already_subscribed', 'checkout_in_progress', 'customer_in_progress', 'idempotency_conflict', 'trial_already_used'],
    500: ['checkout_params_invalid'],
    ...STRIPE_DOWN,
  });
/** `GET /checkout/status`. */
export const DocCheckoutStatus = () =>
  route('The state after Checkout (syncs from Stripe)', 200, CheckoutStatusAnswer, {
    400: ['invalid_request'],
    401: ['unauthenticated'],
    404: ['billable_not_found', 'checkout_not_found'],
    ...STRIPE_DOWN,
  });
/** `POST /portal`. */
export const DocPortal = () =>
  route('Open the Stripe billing portal', 200, PortalAnswer, { 400: ['invalid_request', 'invalid_redirect', 'no_customer'], ...AUTH, ...STRIPE_DOWN });
/** `POST /cancel`. */
export const DocCancel = () =>
  route('Cancel at the period end (or now)', 200, SubscriptionModel, {
    400: ['invalid_request', 'no_subscription'],
    ...AUTH,
    403: ['immediate_cancel_disabled'],
    ...STRIPE_DOWN,
  });
/** `POST /resume`. */
export const DocResume = () => route('Resume a cancelled subscription in its grace period', 200, SubscriptionModel, { 400: ['not_in_grace_period', 'no_subscription'], ...AUTH, ...STRIPE_DOWN });
/** `POST /pause`. */
export const DocPause = () =>
  route('Pause payment collection (plans with pausable: true); no access while paused', 200, SubscriptionModel, {
    400: ['no_subscription', 'cannot_pause'], ...AUTH, 403: ['pause_not_allowed'], ...STRIPE_DOWN,
  });
/** `POST /unpause`. */
export const DocUnpause = () => route('Resume payment collection of a paused subscription', 200, SubscriptionModel, { 400: ['not_paused'], ...AUTH, ...STRIPE_DOWN });
/** `POST /upgrade`. */
export const DocChangePlan = () =>
  route('Change plan (up or down)', 200, ChangePlanAnswer, {
    400: ['invalid_request', 'invalid_plan', 'no_subscription', 'already_on_plan', 'subscription_ending', 'promotion_code_invalid'],
    ...AUTH,
    402: ['payment_failed', 'payment_action_required'],
    ...STRIPE_DOWN,
  });
