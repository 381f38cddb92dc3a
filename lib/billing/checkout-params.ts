import type Stripe from 'stripe';
import { PaymentsException } from '../common/payments.exception';
import type { Billable } from '../persistence/billable-store';
import type { CatalogPlan } from '../plans/plan.types';

/** The Checkout Session parameters an app may add; everything else (price, customer, mode, trial, redirects, references) the module decides. */
export type CheckoutExtraParams = Pick<
  Stripe.Checkout.SessionCreateParams,
  | 'allow_promotion_codes'
  | 'automatic_tax'
  | 'tax_id_collection'
  | 'billing_address_collection'
  | 'locale'
  | 'custom_text'
  | 'consent_collection'
  | 'customer_update'
>;

/** The `checkoutParams` option: extra session parameters for one checkout, decided on the server. */
export type CheckoutParamsHook = (
  billable: Billable,
  plan: CatalogPlan,
  request: unknown,
) => CheckoutExtraParams | null | undefined | Promise<CheckoutExtraParams | null | undefined>;

/** Keys a hook may return: an allow-list, so a key Stripe adds later is refused until it is reviewed here. */
export const CHECKOUT_EXTRA_KEYS: readonly (keyof CheckoutExtraParams)[] = [
  'allow_promotion_codes',
  'automatic_tax',
  'tax_id_collection',
  'billing_address_collection',
  'locale',
  'custom_text',
  'consent_collection',
  'customer_update',
];

/** What a hook returned, checked: the keys it may not set, or the params to merge. */
export function checkExtraParams(value: unknown): { refused: string[] } | { params: CheckoutExtraParams } {
  if (value === null || value === undefined) return { params: {} };
  if (typeof value !== 'object' || Array.isArray(value)) return { refused: ['(not an object)'] };
  const refused = Object.keys(value).filter((key) => !(CHECKOUT_EXTRA_KEYS as readonly string[]).includes(key));
  return refused.length > 0 ? { refused } : { params: value as CheckoutExtraParams };
}

/**
 * A hook that tried to set what the module decides is a bug in the app, not in the request: 500
 * with a stable code, the same for every request until the hook is fixed, and no Stripe call made.
 */
export function checkoutParamsInvalid(): PaymentsException {
  return new PaymentsException(500, 'checkout_params_invalid', 'Checkout is misconfigured on the server; please try again later.');
}

/** 400 for a promotion code Stripe does not know (or that is inactive), and when the options accept none. */
export function promotionCodeInvalid(): PaymentsException {
  return new PaymentsException(400, 'promotion_code_invalid', 'This promotion code is not valid.');
}
