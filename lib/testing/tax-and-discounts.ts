import type Stripe from 'stripe';
import { FakeContext } from './fake-context';
import { RequestParams } from './request-params';
import { badParam, missing } from './stripe-api.error';

/**
 * The flat rate of `automatic_tax` in the fake, in percent, exclusive (added on top of the
 * discounted amount of each line, rounded half up to the smallest unit). Stripe Tax computes rates
 * from addresses and registrations; the fake uses this one everywhere so totals are predictable.
 */
export const FAKE_AUTOMATIC_TAX_PERCENT = 10;
/** The tax rate id the fake's automatic tax names in `tax_rate_details`. */
export const FAKE_AUTOMATIC_TAX_RATE = 'txr_fake_automatic_tax';

/** A discount as asked for (`discounts[]`): a coupon or a promotion code. */
export interface DiscountRequest {
  coupon: string | null;
  promotion_code: string | null;
}

/** Validates `discounts[]` entries against the fake's coupons and promotion codes. */
export function checkDiscountRequests(ctx: FakeContext, requests: DiscountRequest[], param = 'discounts'): DiscountRequest[] {
  requests.forEach(({ coupon, promotion_code: promo }, i) => {
    if ((coupon === null) === (promo === null)) throw badParam(`${param}[${i}]`, 'You must pass exactly one of coupon or promotion_code.');
    if (coupon !== null && !ctx.store.coupons.has(coupon)) throw missing('coupon', coupon, `${param}[${i}][coupon]`);
    if (promo !== null) {
      const code = ctx.store.promotionCodes.get(promo);
      if (!code) throw missing('promotion_code', promo, `${param}[${i}][promotion_code]`);
      if (!code.active) throw badParam(`${param}[${i}][promotion_code]`, 'This promotion code cannot be redeemed because it is inactive.');
    }
  });
  return requests;
}

/** `discounts[]` of a request, checked. */
export function discountRequests(ctx: FakeContext, params: RequestParams, key = 'discounts'): DiscountRequest[] {
  const asked = params.list(key).map((d) => ({ coupon: d.str('coupon') ?? null, promotion_code: d.str('promotion_code') ?? null }));
  return checkDiscountRequests(ctx, asked, key);
}

/** The coupon a discount request stands for. */
function couponOf(ctx: FakeContext, request: DiscountRequest): Stripe.Coupon {
  const id = request.coupon ?? (ctx.store.promotionCodes.get(request.promotion_code!)!.promotion as unknown as { coupon: string }).coupon;
  return ctx.store.coupons.get(id)!;
}

/** Discount objects (`di_...`, shaped like Stripe's) for a subscription; their ids go on `subscription.discounts`. */
export function attachDiscounts(ctx: FakeContext, sub: Stripe.Subscription, requests: DiscountRequest[], checkoutSession: string | null = null): void {
  const ids: string[] = [];
  for (const request of requests) {
    const coupon = couponOf(ctx, request);
    const discount = buildDiscount(ctx, sub, request, checkoutSession);
    ctx.store.discounts.set(discount.id, discount);
    coupon.times_redeemed += 1;
    if (request.promotion_code) ctx.store.promotionCodes.get(request.promotion_code)!.times_redeemed += 1;
    ids.push(discount.id);
  }
  sub.discounts = ids;
}

function buildDiscount(ctx: FakeContext, sub: Stripe.Subscription, request: DiscountRequest, checkoutSession: string | null): Stripe.Discount {
  const coupon = couponOf(ctx, request);
  const start = ctx.now();
  const months = coupon.duration === 'repeating' ? (coupon.duration_in_months ?? 1) : null;
  return {
    checkout_session: checkoutSession, customer: sub.customer as string, end: months ? start + months * 30 * 86_400 : null,
    id: ctx.id('di_'), invoice: null, invoice_item: null, object: 'discount', promotion_code: request.promotion_code,
    start, subscription: sub.id, subscription_item: null, source: { coupon: coupon.id, type: 'coupon' }, customer_account: null,
  } as unknown as Stripe.Discount;
}

/**
 * Runs `price` on a copy of the subscription carrying these discounts instead of its own, as an
 * invoice preview's `discounts` does: nothing is redeemed and no discount is left in the store.
 */
export function withPreviewDiscounts<T>(ctx: FakeContext, sub: Stripe.Subscription, requests: DiscountRequest[], price: (copy: Stripe.Subscription) => T): T {
  const discounts = requests.map((r) => buildDiscount(ctx, sub, r, null));
  discounts.forEach((d) => ctx.store.discounts.set(d.id, d));
  try {
    return price({ ...sub, discounts: discounts.map((d) => d.id) } as Stripe.Subscription);
  } finally {
    discounts.forEach((d) => ctx.store.discounts.delete(d.id));
  }
}

/** `automatic_tax` as Stripe shows it on each object (each has its own keys). */
export function automaticTaxField(enabled: boolean, on: 'subscription' | 'invoice' | 'session'): Record<string, unknown> {
  const liability = enabled ? { type: 'self' } : null;
  const status = { status: enabled ? 'complete' : null, provider: enabled ? 'stripe' : null };
  if (on === 'subscription') return { enabled, liability, disabled_reason: null };
  return on === 'invoice' ? { enabled, liability, ...status, disabled_reason: null } : { enabled, liability, ...status };
}

/**
 * Takes the subscription's discounts off a new invoice of it and adds the flat automatic tax, per
 * line then in the totals (`total_discount_amounts`, `discounts`, `total_taxes`, `total`,
 * `total_excluding_tax`, `amount_due`). Discounts apply to positive lines only (a credit is not
 * discounted); tax applies to every line, credits included (a negative tax), as Stripe does.
 */
export function applyTaxAndDiscounts(ctx: FakeContext, invoice: Stripe.Invoice, sub: Stripe.Subscription): void {
  const discounts = activeDiscounts(ctx, sub);
  const taxed = (sub.automatic_tax as { enabled?: boolean } | undefined)?.enabled === true;
  if (discounts.length === 0 && !taxed) return;
  const lines = invoice.lines.data;
  const off = new Map<string, number>();
  for (const discount of discounts) {
    const coupon = ctx.store.coupons.get((discount.source as { coupon: string }).coupon)!;
    let amountLeft = coupon.amount_off ?? 0;
    for (const line of lines) {
      const remaining = line.amount - sum((line.discount_amounts ?? []).map((d) => d.amount));
      if (remaining <= 0) continue;
      const amount = coupon.percent_off !== null ? Math.round((remaining * coupon.percent_off) / 100) : Math.min(remaining, amountLeft);
      amountLeft -= coupon.percent_off !== null ? 0 : amount;
      if (amount <= 0) continue;
      (line.discount_amounts ??= []).push({ amount, discount: discount.id });
      line.discounts.push(discount.id);
      off.set(discount.id, (off.get(discount.id) ?? 0) + amount);
    }
  }
  const taxes: { amount: number; taxable: number }[] = [];
  for (const line of lines) {
    if (!taxed) continue;
    const taxable = line.amount - sum((line.discount_amounts ?? []).map((d) => d.amount));
    const amount = Math.round((taxable * FAKE_AUTOMATIC_TAX_PERCENT) / 100);
    line.taxes = [taxLine(amount, taxable)] as unknown as Stripe.InvoiceLineItem['taxes'];
    taxes.push({ amount, taxable });
  }
  const discountTotal = sum([...off.values()]);
  const tax = sum(taxes.map((t) => t.amount));
  const excludingTax = invoice.subtotal - discountTotal;
  Object.assign(invoice, {
    discounts: discounts.map((d) => d.id),
    total_discount_amounts: [...off].map(([discount, amount]) => ({ amount, discount })),
    total_taxes: taxed ? [taxLine(tax, sum(taxes.map((t) => t.taxable)))] : [],
    automatic_tax: automaticTaxField(taxed, 'invoice'),
    total_excluding_tax: excludingTax,
    total: excludingTax + tax,
    amount_due: Math.max(0, excludingTax + tax),
    amount_remaining: Math.max(0, excludingTax + tax),
  });
}

/**
 * After a real (not previewed) invoice with a positive subtotal: a `once` coupon has been used and
 * leaves the subscription, a `repeating` one leaves it once its months are over.
 */
export function spendDiscounts(ctx: FakeContext, invoice: Stripe.Invoice, sub: Stripe.Subscription): void {
  if (invoice.subtotal <= 0 || !sub.discounts?.length) return;
  sub.discounts = activeDiscounts(ctx, sub)
    .filter((d) => ctx.store.coupons.get((d.source as { coupon: string }).coupon)?.duration !== 'once')
    .map((d) => d.id);
}

function activeDiscounts(ctx: FakeContext, sub: Stripe.Subscription): Stripe.Discount[] {
  const now = ctx.now();
  return (sub.discounts ?? [])
    .map((d) => ctx.store.discounts.get(typeof d === 'string' ? d : d.id))
    .filter((d): d is Stripe.Discount => !!d && (d.end === null || d.end > now));
}

/** One `total_taxes` entry at the fake's flat rate. */
export function taxLine(amount: number, taxable: number) {
  return {
    amount, tax_behavior: 'exclusive', tax_rate_details: { tax_rate: FAKE_AUTOMATIC_TAX_RATE },
    taxability_reason: 'standard_rated', taxable_amount: taxable, type: 'tax_rate_details',
  };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
