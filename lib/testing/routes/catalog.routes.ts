import type Stripe from 'stripe';
import { ApiRouter } from '../api-router';
import { clone, FakeContext } from '../fake-context';
import { PriceSpec } from '../fake-stripe.types';
import { listResponse, searchResponse } from '../list-helpers';
import { buildPrice, buildProduct, PriceInterval } from '../objects/catalog.factory';
import { badParam, missing, missingParam } from '../stripe-api.error';
import { parseSearchQuery } from './customers.routes';

const DECIMAL = /^\d+(\.\d{1,12})?$/;

/** `"1250.50"` -> `"1250.5"`, `"1250.0"` -> `"1250"`: the form Stripe answers with. */
function normalizeDecimal(value: string): string {
  const trimmed = value.replace(/^0+(?=\d)/, '');
  return trimmed.includes('.') ? trimmed.replace(/0+$/, '').replace(/\.$/, '') : trimmed;
}

/** Creates a price (and its product unless one is given); shared by the API and `fake.createPrice`. */
export function createPrice(ctx: FakeContext, spec: PriceSpec & { nickname?: string | null; active?: boolean }): Stripe.Price {
  if (spec.id && ctx.store.prices.has(spec.id)) throw badParam('id', `A price with id '${spec.id}' already exists.`, 'resource_already_exists');
  const { unitAmount, unitAmountDecimal } = spec;
  if (unitAmount !== undefined && unitAmountDecimal !== undefined) {
    throw badParam('unit_amount', 'You may only specify one of these parameters: unit_amount, unit_amount_decimal.');
  }
  if (unitAmount === undefined && unitAmountDecimal === undefined && !spec.tiers) throw missingParam('unit_amount');
  if (spec.meter !== undefined && !ctx.store.meters.has(spec.meter)) throw missing('billing.meter', spec.meter, 'recurring[meter]');
  if (spec.meter !== undefined && !spec.interval) throw badParam('recurring[meter]', 'A meter can only be set on a recurring price.');
  if (unitAmount !== undefined && (!Number.isInteger(unitAmount) || unitAmount < 0)) throw badParam('unit_amount', 'Invalid integer: unit_amount');
  if (unitAmountDecimal !== undefined && !DECIMAL.test(unitAmountDecimal)) {
    throw badParam('unit_amount_decimal', `Invalid decimal: ${unitAmountDecimal}. Use at most 12 decimal places.`);
  }
  // As Stripe: unit_amount is set whenever the amount is a whole number of minor units.
  const decimal = unitAmountDecimal === undefined ? undefined : normalizeDecimal(unitAmountDecimal);
  const wholeAmount = spec.tiers ? null : unitAmount ?? (decimal !== undefined && !decimal.includes('.') ? Number(decimal) : null);
  if (spec.lookupKey) {
    for (const p of ctx.store.prices.values()) {
      if (p.lookup_key === spec.lookupKey) throw badParam('lookup_key', `A price (\`${p.id}\`) already uses that lookup key.`);
    }
  }
  let productId = spec.productId;
  if (productId) {
    if (!ctx.store.products.has(productId)) throw missing('product', productId, 'product');
  } else {
    const product = buildProduct({ id: ctx.id('prod_', 14), created: ctx.now(), name: spec.productName ?? 'Fake product' });
    ctx.store.products.set(product.id, product);
    ctx.emit('product.created', product);
    productId = product.id;
  }
  const price = buildPrice({
    id: spec.id ?? ctx.id('price_'),
    created: ctx.now(),
    product: productId,
    unitAmount: wholeAmount,
    unitAmountDecimal: decimal,
    currency: spec.currency ?? 'usd',
    interval: spec.interval,
    intervalCount: spec.intervalCount,
    trialPeriodDays: spec.trialPeriodDays ?? null,
    lookupKey: spec.lookupKey ?? null,
    nickname: spec.nickname ?? null,
    metadata: spec.metadata,
    active: spec.active,
    meter: spec.meter ?? null,
    tiers: spec.tiers?.map((t) => ({
      up_to: t.upTo, unit_amount: t.unitAmount ?? 0, unit_amount_decimal: String(t.unitAmount ?? 0),
      flat_amount: t.flatAmount ?? null, flat_amount_decimal: t.flatAmount === undefined ? null : String(t.flatAmount),
    })),
    tiersMode: spec.tiersMode,
  });
  ctx.store.prices.set(price.id, price);
  const product = ctx.store.products.get(productId)!;
  product.default_price ??= price.id;
  ctx.emit('price.created', price);
  return price;
}

export function catalogRoutes(router: ApiRouter): void {
  const { ctx } = router;

  router.add('POST', '/v1/products', ({ params }) => {
    const product = buildProduct({
      id: params.str('id') ?? ctx.id('prod_', 14),
      created: ctx.now(),
      name: params.reqStr('name'),
      description: params.str('description'),
      metadata: params.metadata(),
      active: params.bool('active'),
    });
    if (ctx.store.products.has(product.id)) throw badParam('id', `Product already exists.`, 'resource_already_exists');
    ctx.store.products.set(product.id, product);
    ctx.emit('product.created', product);
    return product;
  });
  router.add('GET', '/v1/products/:id', ({ ids }) => ctx.store.products.get(ids[0]) ?? thrower(missing('product', ids[0])));
  router.add('GET', '/v1/products', ({ params }) => {
    const active = params.bool('active');
    return listResponse([...ctx.store.products.values()].filter((p) => active === undefined || p.active === active), params, '/v1/products');
  });

  router.add('POST', '/v1/prices', ({ params }) => {
    const recurring = params.obj('recurring');
    const productData = params.obj('product_data');
    const tiers = params.list('tiers').map((t) => {
      const upTo = t.str('up_to');
      return { upTo: upTo === 'inf' || upTo === undefined ? null : Number(upTo), unitAmount: t.int('unit_amount', 0), flatAmount: t.int('flat_amount', 0) };
    });
    const unitAmount = params.int('unit_amount', 0);
    const unitAmountDecimal = params.str('unit_amount_decimal');
    const product = params.str('product');
    if (!product && !productData) throw badParam('product', 'Missing required param: product.', 'parameter_missing');
    return createPrice(ctx, {
      unitAmount,
      unitAmountDecimal,
      currency: params.reqStr('currency'),
      interval: recurring?.oneOf<PriceInterval>('interval', ['day', 'week', 'month', 'year']),
      intervalCount: recurring?.int('interval_count', 1),
      trialPeriodDays: recurring?.int('trial_period_days', 0),
      meter: recurring?.str('meter'),
      ...(tiers.length > 0 ? { tiers, tiersMode: params.oneOf<'graduated' | 'volume'>('tiers_mode', ['graduated', 'volume']) } : {}),
      productId: product,
      productName: productData?.reqStr('name'),
      lookupKey: params.str('lookup_key'),
      nickname: params.str('nickname'),
      metadata: params.metadata(),
      active: params.bool('active'),
    });
  });
  router.add('GET', '/v1/prices/search', ({ params }) => {
    const matches = parseSearchQuery(params.reqStr('query'));
    return searchResponse([...ctx.store.prices.values()].filter((p) => matches(p as unknown as Record<string, unknown>)), params, '/v1/prices/search');
  });
  router.add('GET', '/v1/prices/:id', ({ ids }) => ctx.store.prices.get(ids[0]) ?? thrower(missing('price', ids[0])));
  router.add('POST', '/v1/prices/:id', ({ ids, params }) => {
    const price = ctx.store.prices.get(ids[0]) ?? thrower(missing('price', ids[0]));
    const before = clone(price);
    const active = params.bool('active');
    if (active !== undefined) price.active = active;
    const lookupKey = params.nullableStr('lookup_key');
    if (lookupKey !== undefined) price.lookup_key = lookupKey;
    price.metadata = params.metadata(price.metadata);
    ctx.emit('price.updated', price, before);
    return price;
  });
  router.add('GET', '/v1/prices', ({ params }) => {
    const keys = params.strings('lookup_keys');
    const active = params.bool('active');
    const product = params.str('product');
    const type = params.str('type');
    const all = [...ctx.store.prices.values()].filter(
      (p) =>
        (keys.length === 0 || (p.lookup_key !== null && keys.includes(p.lookup_key))) &&
        (active === undefined || p.active === active) &&
        (product === undefined || p.product === product) &&
        (type === undefined || p.type === type),
    );
    return listResponse(all, params, '/v1/prices');
  });
}

export function thrower(error: Error): never {
  throw error;
}
