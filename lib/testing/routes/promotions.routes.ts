import type Stripe from 'stripe';
import { ApiRouter } from '../api-router';
import { createdFilter, listResponse } from '../list-helpers';
import { badParam, missing, missingParam } from '../stripe-api.error';

/**
 * Coupons and promotion codes: created, read back, and a code looked up (case-insensitively, as
 * Stripe matches customer-facing codes). Discounts are recorded where they are applied; the fake
 * does not take them off invoice amounts.
 */
export function promotionRoutes(router: ApiRouter): void {
  const { ctx } = router;

  router.add('POST', '/v1/coupons', ({ params }) => {
    const percentOff = params.str('percent_off');
    const amountOff = params.int('amount_off', 1);
    if ((percentOff === undefined) === (amountOff === undefined)) throw badParam('percent_off', 'You must pass exactly one of percent_off or amount_off.');
    const currency = params.str('currency') ?? null;
    if (amountOff !== undefined && !currency) throw missingParam('currency');
    const id = params.str('id') ?? ctx.id('', 8);
    if (ctx.store.coupons.has(id)) throw badParam('id', 'Coupon already exists.', 'resource_already_exists');
    const coupon = {
      id, object: 'coupon', amount_off: amountOff ?? null, currency, created: ctx.now(),
      duration: params.oneOf('duration', ['forever', 'once', 'repeating'] as const) ?? 'once', duration_in_months: params.int('duration_in_months', 1) ?? null,
      livemode: false, max_redemptions: params.int('max_redemptions', 1) ?? null, metadata: params.metadata(), name: params.str('name') ?? null,
      percent_off: percentOff === undefined ? null : Number(percentOff), redeem_by: params.int('redeem_by') ?? null, times_redeemed: 0, valid: true,
    } as unknown as Stripe.Coupon;
    ctx.store.coupons.set(id, coupon);
    return coupon;
  });
  router.add('GET', '/v1/coupons/:id', ({ ids }) => ctx.store.coupons.get(ids[0]) ?? thrower(missing('coupon', ids[0])));

  router.add('POST', '/v1/promotion_codes', ({ params }) => {
    const promotion = params.obj('promotion');
    if (!promotion) throw missingParam('promotion');
    const couponId = promotion.reqStr('coupon');
    if (!ctx.store.coupons.has(couponId)) throw missing('coupon', couponId, 'promotion[coupon]');
    const code = params.str('code') ?? ctx.id('', 8).toUpperCase();
    const taken = [...ctx.store.promotionCodes.values()].some((p) => p.active && p.code.toLowerCase() === code.toLowerCase());
    if (taken) throw badParam('code', 'An active promotion code with `code: ' + code + '` already exists.');
    const id = ctx.id('promo_');
    const promo = {
      id, object: 'promotion_code', active: params.bool('active') ?? true, code, created: ctx.now(), customer: params.str('customer') ?? null,
      expires_at: params.int('expires_at') ?? null, livemode: false, max_redemptions: params.int('max_redemptions', 1) ?? null,
      metadata: params.metadata(), promotion: { coupon: couponId, type: 'coupon' },
      restrictions: { first_time_transaction: params.obj('restrictions')?.bool('first_time_transaction') ?? false, minimum_amount: null, minimum_amount_currency: null },
      times_redeemed: 0,
    } as unknown as Stripe.PromotionCode;
    ctx.store.promotionCodes.set(id, promo);
    return promo;
  });
  router.add('GET', '/v1/promotion_codes/:id', ({ ids }) => ctx.store.promotionCodes.get(ids[0]) ?? thrower(missing('promotion_code', ids[0])));
  router.add('GET', '/v1/promotion_codes', ({ params }) => {
    const code = params.str('code')?.toLowerCase();
    const active = params.bool('active');
    const coupon = params.str('coupon');
    const customer = params.str('customer');
    const inRange = createdFilter(params);
    const all = [...ctx.store.promotionCodes.values()].filter(
      (p) =>
        (code === undefined || p.code.toLowerCase() === code) &&
        (active === undefined || p.active === active) &&
        (coupon === undefined || couponOf(p) === coupon) &&
        (customer === undefined || p.customer === customer) &&
        inRange(p.created),
    );
    return listResponse(all, params, '/v1/promotion_codes');
  });
}

/** The coupon id of a promotion code. */
export function couponOf(promo: Stripe.PromotionCode): string | null {
  const coupon = promo.promotion?.coupon;
  if (!coupon) return null;
  return typeof coupon === 'string' ? coupon : coupon.id;
}

function thrower(error: Error): never {
  throw error;
}
