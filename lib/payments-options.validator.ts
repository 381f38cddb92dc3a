import { STRIPE_CALL_COSTS } from './budget/stripe-call-cost.decorator';
import { PaymentsModuleOptions, ResolvedPaymentsOptions } from './payments.options';
import { isBillableEntity } from './persistence/billable-marker';
import { resolveRetention } from './persistence/retention/retention.options';
import { autoTopUpProblem, productsProblem } from './products/product-catalog';
import { validatePlanSeats } from './seats/seat-plans.validator';
import { resolveSeatsOptions } from './seats/seats.options';
import { resolveTeamsOptions } from './teams/teams-options.validator';
import { resolveUsageIdempotency } from './usage/usage-idempotency.options';
import { resolveQueueOptions } from './queue/work-queue.options';
import { resolveMeteringOptions } from './metering/metering.options';

/** Thrown at start-up when the options cannot work; the message says what to change. */
export class PaymentsConfigError extends Error {
  override readonly name = 'PaymentsConfigError';
}

const fail = (sentence: string): never => {
  throw new PaymentsConfigError(`nestjs-headless-payments: ${sentence}`);
};

const defaultBillableId = (request: any) => request?.user?.id ?? request?.user?.sub;

/** Validates the options once and fills in every default. Throws one actionable sentence per mistake. */
export function resolvePaymentsOptions(options: PaymentsModuleOptions): ResolvedPaymentsOptions {
  if (!options || typeof options !== 'object') fail('PaymentsModule.forRoot needs an options object.');
  if (!options.stripeClient && !options.secretKey) {
    fail('secretKey is required when no stripeClient is given; set STRIPE_SECRET_KEY (sk_test_... or sk_live_...).');
  }
  if (options.secretKey && !/^(sk|rk)_/.test(options.secretKey)) {
    fail('secretKey must be a Stripe secret or restricted key starting with "sk_" or "rk_"; a publishable key (pk_) cannot create subscriptions.');
  }
  const webhookSecrets = toList(options.webhookSecret);
  for (const secret of webhookSecrets) {
    if (!secret.startsWith('whsec_')) fail('webhookSecret must be the endpoint signing secret starting with "whsec_"; copy it from the Stripe dashboard or `stripe listen`.');
  }
  validatePlans(options.plans);
  const productProblem = productsProblem(options.products, options.plans);
  if (productProblem) fail(productProblem);
  const topUpProblem = autoTopUpProblem(options.autoTopUp, options.products);
  if (topUpProblem) fail(topUpProblem);
  if (!options.billableEntity) fail('billableEntity is required: pass the entity class (e.g. User) that extends SubscriptionMixin(...).');
  if (!isBillableEntity(options.billableEntity)) {
    fail(`billableEntity ${options.billableEntity.name} does not extend SubscriptionMixin; declare it as \`class ${options.billableEntity.name} extends SubscriptionMixin(BaseClass)\`.`);
  }
  if (options.urls) validateUrls(options.urls);
  const pastDue = { access: options.pastDue?.access ?? 'grace', graceDays: options.pastDue?.graceDays ?? 7 } as const;
  if (!['grace', 'keep', 'deny'].includes(pastDue.access)) fail(`pastDue.access must be 'grace', 'keep' or 'deny', not '${pastDue.access}'.`);
  nonNegativeInteger('pastDue.graceDays', pastDue.graceDays);
  const timeout = options.stripeTimeoutMs ?? 8000;
  positiveInteger('stripeTimeoutMs', timeout);
  const retries = options.stripeMaxNetworkRetries ?? 2;
  nonNegativeInteger('stripeMaxNetworkRetries', retries);
  const maxBodyBytes = options.webhook?.maxBodyBytes ?? 1024 * 1024;
  positiveInteger('webhook.maxBodyBytes', maxBodyBytes);
  const toleranceSeconds = options.webhook?.toleranceSeconds ?? 300;
  positiveInteger('webhook.toleranceSeconds', toleranceSeconds);
  const processing = options.webhook?.processing ?? 'queued';
  if (processing !== 'inline' && processing !== 'queued') fail(`webhook.processing must be 'inline' or 'queued', not '${String(processing)}'.`);
  const routePath = (options.routePath ?? 'payments').replace(/^\/+|\/+$/g, '');
  if (!/^[A-Za-z0-9_\-/]+$/.test(routePath)) fail(`routePath '${options.routePath}' must be a plain path such as 'payments' or 'billing'.`);
  validateChannel(options.entitlementsChannel);
  if (options.downgrade && !['period_end', 'immediately'].includes(options.downgrade)) {
    fail(`downgrade must be 'period_end' or 'immediately', not '${options.downgrade}'.`);
  }
  validateCheckoutOptions(options);
  const usageIdempotency = resolveUsageIdempotency(options, fail);
  const retention = resolveRetention(options, usageIdempotency.windowSeconds, fail);
  const metering = resolveMeteringOptions(options.metering, fail);
  return {
    ...options,
    webhookSecrets,
    stripeTimeoutMs: timeout,
    stripeMaxNetworkRetries: retries,
    currency: (options.currency ?? 'usd').toLowerCase(),
    routePath,
    usageTracking: options.usageTracking ?? true,
    pastDue,
    downgrade: options.downgrade ?? 'period_end',
    allowImmediateCancel: options.allowImmediateCancel ?? false,
    trial: resolveTrial(options.trial),
    webhook: { maxBodyBytes, toleranceSeconds, acceptBothModes: options.webhook?.acceptBothModes === true, processing },
    entitlementsCacheTtlMs: nonNegativeInteger('entitlementsCacheTtlMs', options.entitlementsCacheTtlMs ?? 5000),
    idempotencyWindowSeconds: positiveInteger('idempotencyWindowSeconds', options.idempotencyWindowSeconds ?? 600),
    getBillableId: options.getBillableId ?? defaultBillableId,
    now: options.now ?? (() => new Date()),
    usageIdempotency,
    retention,
    metering,
    stripeCallBudget: resolveStripeCallBudget(options.stripeCallBudget),
    ...resolveTeamsOptions(options, fail),
    queue: resolveQueueOptions(options, fail),
    seats: resolveSeatsOptions(options.seats, fail),
  };
}

function resolveStripeCallBudget(budget: PaymentsModuleOptions['stripeCallBudget']): ResolvedPaymentsOptions['stripeCallBudget'] {
  if (budget === false) return false;
  const limit = positiveInteger('stripeCallBudget.limit', budget?.limit ?? 60);
  const costliest = Math.max(...Object.values(STRIPE_CALL_COSTS));
  if (limit < costliest) fail(`stripeCallBudget.limit must be at least ${costliest} (a checkout may make ${costliest} Stripe calls), not ${limit}; or set stripeCallBudget: false.`);
  const ttlMs = positiveInteger('stripeCallBudget.ttlMs', budget?.ttlMs ?? 60_000);
  if (budget?.storage !== undefined && typeof budget.storage?.increment !== 'function') {
    fail('stripeCallBudget.storage must be a @nestjs/throttler ThrottlerStorage (an object with increment()), e.g. the one your ThrottlerModule uses.');
  }
  return { limit, ttlMs, ...(budget?.storage ? { storage: budget.storage } : {}) };
}

function validateCheckoutOptions(options: PaymentsModuleOptions): void {
  if (options.checkoutParams !== undefined && typeof options.checkoutParams !== 'function') {
    fail('checkoutParams must be a function (billable, plan, request) returning extra Checkout Session parameters.');
  }
  if (options.allowPromotionCodes !== undefined && typeof options.allowPromotionCodes !== 'boolean') fail('allowPromotionCodes must be true or false.');
}

function validatePlans(plans: PaymentsModuleOptions['plans']): void {
  if (!plans || typeof plans !== 'object' || Object.keys(plans).length === 0) {
    fail('plans is required: give at least one plan, e.g. { free: { name: "Free" }, pro: { name: "Pro", priceId: "price_..." } }.');
  }
  const seenPrices = new Map<string, string>();
  for (const [key, plan] of Object.entries(plans)) {
    if (!/^[A-Za-z0-9_-]+$/.test(key)) fail(`plan key '${key}' must contain only letters, digits, '_' or '-'.`);
    if (!plan || typeof plan.name !== 'string' || plan.name.trim() === '') fail(`plan '${key}' needs a name, e.g. { name: 'Pro' }.`);
    const seatPrices = validatePlanSeats(key, plan, fail);
    const prices = [plan.priceId, ...Object.values(plan.prices ?? {})].filter((p): p is string => p != null);
    for (const price of prices) {
      if (typeof price !== 'string' || !price.startsWith('price_')) fail(`plan '${key}' has price '${price}'; a Stripe price id starts with "price_".`);
      const other = seenPrices.get(price);
      if (other) fail(`plans '${other}' and '${key}' both use price '${price}'; each Stripe price must belong to one plan so webhooks can tell the plans apart.`);
      seenPrices.set(price, key);
    }
    for (const price of seatPrices) {
      const other = seenPrices.get(price);
      if (other) fail(`plans '${other}' and '${key}' both use price '${price}'; each Stripe price must belong to one plan so webhooks can tell the plans apart.`);
      seenPrices.set(price, key);
    }
    if (plan.priceId && plan.prices?.month && plan.prices.month !== plan.priceId) {
      fail(`plan '${key}' sets both priceId and prices.month; keep one of them.`);
    }
    for (const [metric, limit] of Object.entries(plan.limits ?? {})) {
      if (!Number.isInteger(limit) || limit < -1) fail(`plan '${key}' limit '${metric}' is ${String(limit)}; a limit is a whole number >= 0, or -1 for unlimited.`);
    }
    for (const [name, limit] of Object.entries(plan.allocations ?? {})) {
      if (!Number.isInteger(limit) || limit < -1) fail(`plan '${key}' allocation '${name}' is ${String(limit)}; an allocation is a whole number >= 0, or -1 for unlimited.`);
      if (name.length > 64) fail(`plan '${key}' allocation name '${name.slice(0, 20)}...' is longer than 64 characters.`);
    }
    if (plan.trialDays !== undefined && (!Number.isInteger(plan.trialDays) || plan.trialDays < 1 || plan.trialDays > 730)) {
      fail(`plan '${key}' trialDays is ${String(plan.trialDays)}; use a whole number of days from 1 to 730, or leave it out.`);
    }
    if (plan.trialDays !== undefined && prices.length === 0) fail(`plan '${key}' has trialDays but no price; only a paid plan can have a trial.`);
    if (plan.pausable !== undefined && typeof plan.pausable !== 'boolean') fail(`plan '${key}' pausable must be true or false, not ${String(plan.pausable)}.`);
    if (plan.pausable && prices.length === 0) fail(`plan '${key}' is pausable but has no price; only a paid plan can be paused.`);
    if (plan.features !== undefined && !Array.isArray(plan.features)) fail(`plan '${key}' features must be an array of names.`);
    validateMetered(key, plan, seenPrices);
  }
}

function validateMetered(key: string, plan: PaymentsModuleOptions['plans'][string], seenPrices: Map<string, string>): void {
  if (plan.metered === undefined) return;
  if (!plan.metered || typeof plan.metered !== 'object') fail(`plan '${key}' metered must be an object: { api_calls: { meter: 'api_calls', priceId: 'price_...' } }.`);
  for (const [metric, m] of Object.entries(plan.metered)) {
    const where = `plan '${key}' metered '${metric}'`;
    if (!m || typeof m.meter !== 'string' || !/^[A-Za-z0-9_.:-]{1,100}$/.test(m.meter)) fail(`${where} needs meter: the event_name of a Stripe meter (letters, digits, _ . : -).`);
    if (typeof m.priceId !== 'string' || !m.priceId.startsWith('price_')) fail(`${where} needs priceId: the metered Stripe price (starts with "price_").`);
    const other = seenPrices.get(m.priceId);
    if (other && other !== key) fail(`plans '${other}' and '${key}' both use price '${m.priceId}'; each Stripe price must belong to one plan.`);
    seenPrices.set(m.priceId, key);
    if (m.included !== undefined && (!Number.isSafeInteger(m.included) || m.included < 0)) fail(`${where} included is ${String(m.included)}; use a whole number >= 0.`);
    if (m.limit !== undefined && m.limit !== 'soft' && m.limit !== 'hard') fail(`${where} limit must be 'soft' or 'hard'.`);
    if (m.limit === 'hard' && (plan.limits?.[metric] === undefined || plan.limits[metric] < 0)) {
      fail(`${where} has a hard limit but limits.${metric} is not set; set limits: { ${metric}: 10000 } or use limit: 'soft'.`);
    }
  }
}

function validateUrls(urls: NonNullable<PaymentsModuleOptions['urls']>): void {
  for (const [name, value] of Object.entries({ success: urls.success, cancel: urls.cancel, portalReturn: urls.portalReturn })) {
    if (!isHttpUrl(value)) fail(`urls.${name} must be an absolute http(s) URL such as 'https://app.example.com/billing', not '${value}'.`);
  }
  for (const origin of urls.allowedOrigins ?? []) {
    if (!isHttpUrl(origin) || new URL(origin).origin !== origin.replace(/\/$/, '')) {
      fail(`urls.allowedOrigins entry '${origin}' must be an origin such as 'https://app.example.com' (scheme, host, optional port; no path).`);
    }
  }
}

function validateChannel(channel: PaymentsModuleOptions['entitlementsChannel']): void {
  if (channel === undefined || channel === 'postgres') return;
  if (!channel || typeof channel !== 'object' || typeof channel.publish !== 'function' || typeof channel.subscribe !== 'function') {
    fail(`entitlementsChannel must be 'postgres', a RedisEntitlementsChannel, or an object with publish() and subscribe(), not ${JSON.stringify(channel)}.`);
  }
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function toList(secret: string | string[] | undefined): string[] {
  if (secret === undefined) return [];
  return (Array.isArray(secret) ? secret : [secret]).filter((s) => s !== '');
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) fail(`${name} must be a whole number above 0, not ${String(value)}.`);
  return value;
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) fail(`${name} must be a whole number of 0 or more, not ${String(value)}.`);
  return value;
}

/** Trial rules with their defaults; fingerprint checks are off unless asked for. */
function resolveTrial(trial: PaymentsModuleOptions['trial']): ResolvedPaymentsOptions['trial'] {
  for (const key of ['oncePerBillable', 'oncePerCard', 'oncePerEmail'] as const) {
    if (trial?.[key] !== undefined && typeof trial[key] !== 'boolean') fail(`trial.${key} must be true or false, not ${String(trial[key])}.`);
  }
  const onRepeat = trial?.onRepeat ?? 'without_trial';
  if (!['without_trial', 'refuse'].includes(onRepeat)) fail(`trial.onRepeat must be 'without_trial' or 'refuse', not '${String(onRepeat)}'.`);
  return { oncePerBillable: trial?.oncePerBillable ?? true, oncePerCard: trial?.oncePerCard === true, oncePerEmail: trial?.oncePerEmail === true, onRepeat };
}
