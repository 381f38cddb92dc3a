import { defaultBillingMode } from '../api-versions';
import type Stripe from 'stripe';
import { ApiRouter } from '../api-router';
import { CheckoutFlow } from '../checkout.flow';
import { listResponse } from '../list-helpers';
import { priceAmount } from '../objects/catalog.factory';
import { buildCheckoutSession } from '../objects/checkout-session.factory';
import { badParam, missing } from '../stripe-api.error';
import { RequestParams } from '../request-params';
import { automaticTaxField, DiscountRequest, FAKE_AUTOMATIC_TAX_PERCENT } from '../tax-and-discounts';

const SESSION_LIFETIME = 24 * 3600;
// Since API 2026-03-25.dahlia; the older `hosted`, `embedded` and `custom` are refused.
const UI_MODES = ['hosted_page', 'embedded_page', 'elements', 'form'] as const;

export function checkoutRoutes(router: ApiRouter, flow: CheckoutFlow): void {
  const { ctx } = router;

  router.add('POST', '/v1/checkout/sessions', ({ params }) => {
    const mode = params.oneOf('mode', ['subscription', 'payment', 'setup'] as const);
    if (!mode) throw badParam('mode', 'Missing required param: mode.', 'parameter_missing');
    const customer = params.str('customer') ?? null;
    const customerEmail = params.str('customer_email') ?? null;
    if (customer && customerEmail) throw badParam('customer_email', 'You may only specify one of these parameters: customer, customer_email.');
    if (customer && !ctx.store.customers.has(customer)) throw missing('customer', customer, 'customer');
    const items = params.list('line_items');
    if (mode !== 'setup' && items.length === 0) throw badParam('line_items', 'Missing required param: line_items.', 'parameter_missing');
    const lines = items.map((item, i) => {
      const priceId = item.reqStr('price');
      const price = ctx.store.prices.get(priceId);
      if (!price) throw missing('price', priceId, `line_items[${i}][price]`);
      if (!price.active) throw badParam(`line_items[${i}][price]`, `The price specified is inactive. This field only accepts active prices.`);
      if (mode === 'payment' && price.recurring) {
        throw badParam(`line_items[${i}][price]`, 'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.');
      }
      const metered = price.recurring?.usage_type === 'metered';
      if (metered && item.str('quantity') !== undefined) {
        throw badParam(`line_items[${i}][quantity]`, 'Quantity should not be specified where usage_type is `metered`. Remove quantity from `line_items[' + i + ']`.');
      }
      const quantity = metered ? 1 : item.int('quantity', 1) ?? 1;
      return { price: priceId, quantity, amount: priceAmount(price, quantity), currency: price.currency, recurring: !!price.recurring };
    });
    if (mode === 'subscription' && !lines.some((l) => l.recurring)) {
      throw badParam('line_items', 'You must provide at least one recurring price in `subscription` mode when using prices.');
    }
    const subData = params.obj('subscription_data');
    const trialDays = subData?.int('trial_period_days', 1);
    const trialEnd = subData?.int('trial_end');
    if (trialEnd !== undefined && trialEnd < ctx.now() + 2 * 86_400) {
      throw badParam('subscription_data[trial_end]', 'The `trial_end` date has to be at least 2 days in the future.');
    }
    const discounts = checkoutDiscounts(router, params);
    const allowPromotionCodes = params.bool('allow_promotion_codes') ?? null;
    if (allowPromotionCodes && discounts.length > 0) {
      throw badParam('discounts', 'You may only specify one of these parameters: allow_promotion_codes, discounts.');
    }
    const successUrl = params.str('success_url') ?? null;
    const uiMode = params.oneOf('ui_mode', UI_MODES) ?? 'hosted_page';
    if (uiMode === 'hosted_page' && successUrl !== null && !/^https?:\/\//.test(successUrl)) throw badParam('success_url', 'Not a valid URL');
    const id = ctx.id('cs_test_', 58);
    const total = lines.reduce((sum, l) => sum + l.amount, 0);
    const session = buildCheckoutSession({
      id,
      created: ctx.now(),
      expiresAt: params.int('expires_at') ?? ctx.now() + SESSION_LIFETIME,
      mode,
      customer,
      customerEmail,
      clientReferenceId: params.str('client_reference_id') ?? null,
      successUrl,
      cancelUrl: params.str('cancel_url') ?? null,
      url: uiMode === 'hosted_page' ? `${ctx.baseUrl()}/checkout/${id}` : null,
      uiMode,
      currency: lines[0]?.currency ?? null,
      amountSubtotal: mode === 'setup' ? null : total,
      amountTotal: mode === 'setup' ? null : total,
      metadata: params.metadata(),
      customerCreation: mode === 'payment' ? params.oneOf('customer_creation', ['always', 'if_required'] as const) ?? 'if_required' : null,
    });
    const invoiceCreation = params.obj('invoice_creation');
    const invoiceEnabled = invoiceCreation?.bool('enabled') === true;
    if (invoiceCreation && mode !== 'payment') throw badParam('invoice_creation', 'You can only set `invoice_creation` in `payment` mode.');
    const invoiceData = invoiceCreation?.obj('invoice_data');
    const automaticTax = mode !== 'setup' && params.obj('automatic_tax')?.bool('enabled') === true;
    Object.assign(session, { allow_promotion_codes: allowPromotionCodes, discounts, locale: params.str('locale') ?? null, automatic_tax: automaticTaxField(automaticTax, 'session') });
    if (mode === 'payment') session.invoice_creation = invoiceCreationField(invoiceEnabled, invoiceData?.metadata() ?? null, invoiceData?.str('description') ?? null);
    if (mode !== 'setup') Object.assign(session, sessionTotals(router, total, discounts, automaticTax));
    ctx.store.checkoutSessions.set(id, session);
    ctx.store.sessionExtras.set(id, {
      lines: lines.map((l) => ({ price: l.price, quantity: l.quantity })),
      trialPeriodDays: trialDays,
      trialEnd,
      subscriptionMetadata: subData?.metadata() ?? {},
      billingMode: subData?.obj('billing_mode')?.oneOf('type', ['classic', 'flexible'] as const) ?? defaultBillingMode(ctx.origin.apiVersion ?? ctx.options.apiVersion),
      customerEmail: customerEmail ?? (customer ? ctx.store.customers.get(customer)?.email ?? null : null),
      paymentIntentMetadata: params.obj('payment_intent_data')?.metadata() ?? {},
      setupFutureUsage: params.obj('payment_intent_data')?.str('setup_future_usage') ?? null,
      invoiceCreation: invoiceEnabled ? { metadata: invoiceData?.metadata() ?? {}, description: invoiceData?.str('description') ?? null } : undefined,
    });
    return session;
  });

  router.add('GET', '/v1/checkout/sessions/:id', ({ ids }) => flow.session(ids[0]));
  router.add('POST', '/v1/checkout/sessions/:id/expire', ({ ids }) => flow.expire(ids[0]));
  router.add('GET', '/v1/checkout/sessions/:id/line_items', ({ ids, params }) => {
    flow.session(ids[0]);
    const lines = ctx.store.sessionExtras.get(ids[0])!.lines.map((l, i) => {
      const price = ctx.store.prices.get(l.price) as Stripe.Price;
      const amount = priceAmount(price, l.quantity);
      return { id: `li_${ids[0].slice(8, 20)}${i}`, object: 'item', amount_discount: 0, amount_subtotal: amount, amount_tax: 0, amount_total: amount, currency: price.currency, description: price.nickname ?? price.id, price, quantity: l.quantity };
    });
    return listResponse([...lines].reverse(), params, `/v1/checkout/sessions/${ids[0]}/line_items`);
  });
  router.add('GET', '/v1/checkout/sessions', ({ params }) => {
    const customer = params.str('customer');
    const status = params.str('status');
    const subscription = params.str('subscription');
    const intent = params.str('payment_intent');
    const all = [...ctx.store.checkoutSessions.values()].filter(
      (s) =>
        (customer === undefined || s.customer === customer) && (status === undefined || s.status === status) &&
        (subscription === undefined || s.subscription === subscription) && (intent === undefined || s.payment_intent === intent),
    );
    return listResponse(all, params, '/v1/checkout/sessions');
  });
}

/** What the session asks: its discounts off the subtotal, then the fake's flat automatic tax on the rest. */
function sessionTotals(router: ApiRouter, subtotal: number, discounts: DiscountRequest[], automaticTax: boolean) {
  const { store } = router.ctx;
  let net = subtotal;
  for (const d of discounts) {
    const couponId = d.coupon ?? (store.promotionCodes.get(d.promotion_code!)!.promotion as unknown as { coupon: string }).coupon;
    const coupon = store.coupons.get(couponId)!;
    net -= Math.min(net, coupon.percent_off !== null ? Math.round((net * coupon.percent_off) / 100) : (coupon.amount_off ?? 0));
  }
  const tax = automaticTax ? Math.round((net * FAKE_AUTOMATIC_TAX_PERCENT) / 100) : 0;
  return { amount_subtotal: subtotal, amount_total: net + tax, total_details: { amount_discount: subtotal - net, amount_shipping: 0, amount_tax: tax } };
}

/** `discounts[]` of a session: each one coupon or one active promotion code that exists. */
function checkoutDiscounts(router: ApiRouter, params: RequestParams): { coupon: string | null; promotion_code: string | null }[] {
  const { store } = router.ctx;
  return params.list('discounts').map((d, i) => {
    const coupon = d.str('coupon') ?? null;
    const promo = d.str('promotion_code') ?? null;
    if ((coupon === null) === (promo === null)) throw badParam(`discounts[${i}]`, 'You must pass exactly one of coupon or promotion_code.');
    if (coupon !== null && !store.coupons.has(coupon)) throw missing('coupon', coupon, `discounts[${i}][coupon]`);
    if (promo !== null) {
      const code = store.promotionCodes.get(promo);
      if (!code) throw missing('promotion_code', promo, `discounts[${i}][promotion_code]`);
      if (!code.active) throw badParam(`discounts[${i}][promotion_code]`, 'This promotion code cannot be redeemed because it is inactive.');
    }
    return { coupon, promotion_code: promo };
  });
}

/** The session's `invoice_creation` as Stripe shows it on payment-mode sessions (see fixtures). */
function invoiceCreationField(enabled: boolean, metadata: Record<string, string> | null, description: string | null): Stripe.Checkout.Session.InvoiceCreation {
  return {
    enabled,
    invoice_data: {
      account_tax_ids: null, custom_fields: null, description, footer: null, issuer: { type: 'self' } as Stripe.Checkout.Session.InvoiceCreation.InvoiceData.Issuer,
      metadata, rendering_options: null,
    },
  };
}
