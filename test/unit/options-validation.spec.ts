import { PaymentsModuleOptions } from '../../lib';
import { PaymentsConfigError, resolvePaymentsOptions } from '../../lib/payments-options.validator';
import { TestUser } from '../support/test-user.entity';

class NotBillable {}

const valid: PaymentsModuleOptions = {
  secretKey: 'sk_test_123',
  webhookSecret: 'whsec_abc',
  plans: { free: { name: 'Free' }, pro: { name: 'Pro', priceId: 'price_pro' } },
  billableEntity: TestUser,
  urls: { success: 'https://app.example.com/ok', cancel: 'https://app.example.com/no', portalReturn: 'https://app.example.com/billing' },
};

const withOptions = (patch: Partial<PaymentsModuleOptions>) => () => resolvePaymentsOptions({ ...valid, ...patch });

describe('options validation', () => {
  it('fills every default for a valid configuration', () => {
    const resolved = resolvePaymentsOptions(valid);
    expect(resolved).toMatchObject({
      webhookSecrets: ['whsec_abc'],
      stripeTimeoutMs: 8000,
      stripeMaxNetworkRetries: 2,
      currency: 'usd',
      routePath: 'payments',
      usageTracking: true,
      pastDue: { access: 'grace', graceDays: 7 },
      downgrade: 'period_end',
      allowImmediateCancel: false,
      trial: { oncePerBillable: true },
      webhook: { maxBodyBytes: 1048576, toleranceSeconds: 300, acceptBothModes: false, processing: 'queued' },
      entitlementsCacheTtlMs: 5000,
      idempotencyWindowSeconds: 600,
    });
    expect(resolved.getBillableId({ user: { id: 7 } })).toBe(7);
    expect(resolved.getBillableId({ user: { sub: 'u-1' } })).toBe('u-1');
    expect(resolved.getBillableId({})).toBeUndefined();
  });

  it('accepts an existing Stripe client instead of a key', () => {
    const client = {} as never;
    expect(resolvePaymentsOptions({ ...valid, secretKey: undefined, stripeClient: client }).stripeClient).toBe(client);
  });

  it("accepts webhook.processing 'inline' (default 'queued')", () => {
    expect(resolvePaymentsOptions({ ...valid, webhook: { processing: 'inline' } }).webhook.processing).toBe('inline');
  });

  it('accepts several webhook secrets for rotation', () => {
    expect(resolvePaymentsOptions({ ...valid, webhookSecret: ['whsec_old', 'whsec_new'] }).webhookSecrets).toEqual(['whsec_old', 'whsec_new']);
  });

  const mistakes: [string, () => unknown, RegExp][] = [
    ['missing secret', withOptions({ secretKey: undefined }), /secretKey is required when no stripeClient is given; set STRIPE_SECRET_KEY/],
    ['publishable key', withOptions({ secretKey: 'pk_test_1' }), /must be a Stripe secret or restricted key starting with "sk_" or "rk_"/],
    ['bad webhook secret', withOptions({ webhookSecret: 'abc' }), /webhookSecret must be the endpoint signing secret starting with "whsec_"/],
    ['no plans', withOptions({ plans: {} }), /plans is required: give at least one plan/],
    ['plan without a name', withOptions({ plans: { pro: { priceId: 'price_1' } as never } }), /plan 'pro' needs a name/],
    ['plan with a blank name', withOptions({ plans: { pro: { name: '  ' } } }), /plan 'pro' needs a name/],
    [
      'two plans with one price',
      withOptions({ plans: { pro: { name: 'Pro', priceId: 'price_1' }, max: { name: 'Max', prices: { year: 'price_1' } } } }),
      /plans 'pro' and 'max' both use price 'price_1'; each Stripe price must belong to one plan/,
    ],
    ['a price that is not a price id', withOptions({ plans: { pro: { name: 'Pro', priceId: 'prod_1' } } }), /a Stripe price id starts with "price_"/],
    ['fractional limit', withOptions({ plans: { free: { name: 'Free', limits: { api: 1.5 } } } }), /limit 'api' is 1.5; a limit is a whole number >= 0, or -1 for unlimited/],
    ['limit below -1', withOptions({ plans: { free: { name: 'Free', limits: { api: -2 } } } }), /limit 'api' is -2/],
    ['limit as text', withOptions({ plans: { free: { name: 'Free', limits: { api: '10' as never } } } }), /limit 'api' is 10; a limit is a whole number/],
    ['trial on a free plan', withOptions({ plans: { free: { name: 'Free', trialDays: 7 } } }), /has trialDays but no price/],
    ['zero trial days', withOptions({ plans: { pro: { name: 'Pro', priceId: 'price_1', trialDays: 0 } } }), /trialDays is 0; use a whole number of days from 1 to 730/],
    ['bad plan key', withOptions({ plans: { 'pro plan': { name: 'Pro' } } }), /plan key 'pro plan' must contain only letters/],
    ['no billable entity', withOptions({ billableEntity: undefined as never }), /billableEntity is required/],
    ['entity without the mixin', withOptions({ billableEntity: NotBillable }), /billableEntity NotBillable does not extend SubscriptionMixin; declare it as `class NotBillable extends SubscriptionMixin\(BaseClass\)`/],
    ['relative success URL', withOptions({ urls: { ...valid.urls!, success: '/ok' } }), /urls.success must be an absolute http\(s\) URL/],
    ['javascript: cancel URL', withOptions({ urls: { ...valid.urls!, cancel: 'javascript:alert(1)' } }), /urls.cancel must be an absolute http\(s\) URL/],
    ['allowed origin with a path', withOptions({ urls: { ...valid.urls!, allowedOrigins: ['https://a.example.com/x'] } }), /allowedOrigins entry 'https:\/\/a.example.com\/x' must be an origin/],
    ['unknown past-due policy', withOptions({ pastDue: { access: 'sometimes' as never } }), /pastDue.access must be 'grace', 'keep' or 'deny'/],
    ['negative grace', withOptions({ pastDue: { access: 'grace', graceDays: -1 } }), /pastDue.graceDays must be a whole number of 0 or more/],
    ['zero timeout', withOptions({ stripeTimeoutMs: 0 }), /stripeTimeoutMs must be a whole number above 0/],
    ['zero body cap', withOptions({ webhook: { maxBodyBytes: 0 } }), /webhook.maxBodyBytes must be a whole number above 0/],
    ['unknown webhook processing', withOptions({ webhook: { processing: 'async' as never } }), /webhook.processing must be 'inline' or 'queued', not 'async'/],
    ['odd route path', withOptions({ routePath: 'pay ments?' }), /routePath 'pay ments\?' must be a plain path/],
    ['unknown downgrade timing', withOptions({ downgrade: 'later' as never }), /downgrade must be 'period_end' or 'immediately'/],
  ];

  it.each(mistakes)('rejects %s with one actionable sentence', (_name, run, message) => {
    let thrown: unknown;
    try {
      run();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PaymentsConfigError);
    expect((thrown as Error).message).toMatch(/^nestjs-headless-payments: /);
    expect((thrown as Error).message).toMatch(message);
  });

  it('never echoes a secret key in its messages', () => {
    expect(withOptions({ secretKey: 'pk_live_supersecretvalue' })).toThrow(/^(?!.*supersecretvalue)/s);
  });
});
