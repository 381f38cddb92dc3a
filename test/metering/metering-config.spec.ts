import { meteredAmount, PaymentsModuleOptions, PlanCatalog } from '../../lib';
import { eventTimestamp, meterEventIdentifier, pastBackdateLimit, windowOf } from '../../lib/metering/meter-window';
import { parseReconcilePeriod } from '../../lib/metering/usage-operations.service';
import { PaymentsConfigError, resolvePaymentsOptions } from '../../lib/payments-options.validator';
import { TestUser } from '../support/test-user.entity';

const plans = {
  free: { name: 'Free', limits: { api_calls: 100 } },
  payg: { name: 'Pay as you go', metered: { api_calls: { meter: 'api_calls', priceId: 'price_payg_calls' } } },
  pro: {
    name: 'Pro',
    priceId: 'price_pro',
    limits: { api_calls: 50_000 },
    metered: { api_calls: { meter: 'api_calls', priceId: 'price_pro_calls', included: 1000, limit: 'hard' as const } },
  },
};

describe('metered plans in the catalogue', () => {
  const catalog = new PlanCatalog(plans);

  it('a pay-as-you-go plan is sold at its metered price and is not free; a soft metric is unlimited locally', () => {
    const payg = catalog.get('payg')!;
    expect(payg).toMatchObject({ free: false, prices: { month: 'price_payg_calls' }, limits: { api_calls: -1 } });
    expect(payg.metered.api_calls).toEqual({ metric: 'api_calls', meter: 'api_calls', priceId: 'price_payg_calls', included: 0, limit: 'soft' });
    expect(catalog.byPriceId('price_payg_calls')).toMatchObject({ plan: { key: 'payg' }, interval: 'month' });
    expect(catalog.checkoutLines('payg', 'price_payg_calls')).toEqual([{ price: 'price_payg_calls' }]);
  });

  it('a fixed fee plus a metered price: checkout sells both, the metered line without a quantity; a hard metric keeps its limit', () => {
    expect(catalog.checkoutLines('pro', 'price_pro')).toEqual([{ price: 'price_pro', quantity: 1 }, { price: 'price_pro_calls' }]);
    expect(catalog.byPriceId('price_pro_calls')?.plan.key).toBe('pro');
    expect(catalog.get('pro')!.limits.api_calls).toBe(50_000);
    expect(catalog.metered('pro', 'api_calls')?.included).toBe(1000);
    expect(catalog.metered('free', 'api_calls')).toBeUndefined();
    expect(catalog.isMeteredPrice('price_pro')).toBe(false);
  });
});

describe('metering options and metered plans are validated at start-up', () => {
  const valid: PaymentsModuleOptions = { secretKey: 'sk_test_1', webhookSecret: 'whsec_1', plans, billableEntity: TestUser };
  const resolve = (patch: Partial<PaymentsModuleOptions>) => () => resolvePaymentsOptions({ ...valid, ...patch });

  it('fills the defaults', () => {
    expect(resolvePaymentsOptions(valid).metering).toEqual({ windowMinutes: 60, graceSeconds: 60, identifierPrefix: 'nhp', reporter: undefined });
  });

  it.each([
    [{ metering: { windowMinutes: 7 } }, /windowMinutes .* divides a day/],
    [{ metering: { graceSeconds: -1 } }, /graceSeconds/],
    [{ metering: { identifierPrefix: 'has space' } }, /identifierPrefix/],
    [{ metering: { reporter: {} as never } }, /reporter must be an object with report/],
    [{ plans: { p: { name: 'P', metered: { api_calls: { meter: '', priceId: 'price_x' } } } } }, /needs meter/],
    [{ plans: { p: { name: 'P', metered: { api_calls: { meter: 'calls', priceId: 'x' } } } } }, /needs priceId/],
    [{ plans: { p: { name: 'P', metered: { api_calls: { meter: 'calls', priceId: 'price_x', included: 1.5 } } } } }, /included is 1.5/],
    [{ plans: { p: { name: 'P', metered: { api_calls: { meter: 'calls', priceId: 'price_x', limit: 'hard' } } } } }, /hard limit but limits.api_calls is not set/],
    [{ plans: { p: { name: 'P', priceId: 'price_x' }, q: { name: 'Q', metered: { api_calls: { meter: 'calls', priceId: 'price_x' } } } } }, /both use price 'price_x'/],
  ])('refuses %j', (patch, message) => {
    expect(resolve(patch as Partial<PaymentsModuleOptions>)).toThrow(PaymentsConfigError);
    expect(resolve(patch as Partial<PaymentsModuleOptions>)).toThrow(message);
  });
});

describe('windows, identifiers and amounts', () => {
  it('aligns windows to UTC multiples of their length', () => {
    expect(windowOf(new Date('2026-11-30T10:59:59.999Z'), 60)).toEqual({ start: new Date('2026-11-30T10:00:00Z'), end: new Date('2026-11-30T11:00:00Z') });
    expect(windowOf(new Date('2026-11-30T11:00:00Z'), 15).start).toEqual(new Date('2026-11-30T11:00:00Z'));
  });

  it('gives one identifier per billable, meter, window and sequence, within 100 characters', () => {
    const start = new Date('2026-11-30T10:00:00Z');
    const id = meterEventIdentifier('42', 'api_calls', start, 0);
    expect(id).toBe('nhp:42:api_calls:1796032800:0');
    expect(meterEventIdentifier('42', 'api_calls', start, 0)).toBe(id);
    expect(meterEventIdentifier('42', 'api_calls', start, 1)).not.toBe(id);
    const long = meterEventIdentifier('x'.repeat(64), 'm'.repeat(100), start, 0);
    expect(long.length).toBeLessThanOrEqual(100);
    expect(long).toBe(meterEventIdentifier('x'.repeat(64), 'm'.repeat(100), start, 0));
  });

  it('stamps an event at the window\'s last second (never in the future) and flags windows past the backdating limit', () => {
    const window = windowOf(new Date('2026-11-30T10:20:00Z'), 60);
    expect(eventTimestamp(window, new Date('2026-11-30T12:00:00Z'))).toBe(Date.parse('2026-11-30T10:59:59Z') / 1000);
    expect(eventTimestamp(window, new Date('2026-11-30T10:30:00Z'))).toBe(Date.parse('2026-11-30T10:30:00Z') / 1000);
    const now = new Date('2026-11-30T12:00:00Z');
    expect(pastBackdateLimit(now.getTime() / 1000 - 34 * 86_400, now)).toBe(false);
    expect(pastBackdateLimit(now.getTime() / 1000 - 35 * 86_400, now)).toBe(true);
  });

  it('prices usage per unit, by graduated tiers, or by volume tier', () => {
    const tiers = [{ up_to: 1000, unit_amount: 0, flat_amount: null }, { up_to: 5000, unit_amount: 2, flat_amount: null }, { up_to: null, unit_amount: 1, flat_amount: 100 }];
    expect(meteredAmount({ unit_amount: 3 }, 10)).toBe(30);
    expect(meteredAmount({ billing_scheme: 'tiered', tiers_mode: 'graduated', tiers, unit_amount: null }, 1250)).toBe(500);
    expect(meteredAmount({ billing_scheme: 'tiered', tiers_mode: 'graduated', tiers, unit_amount: null }, 6000)).toBe(8000 + 1000 + 100);
    expect(meteredAmount({ billing_scheme: 'tiered', tiers_mode: 'volume', tiers, unit_amount: null }, 1250)).toBe(2500);
    expect(meteredAmount({ billing_scheme: 'tiered', tiers_mode: 'volume', tiers, unit_amount: null }, 0)).toBe(0);
  });

  it('reads --period as a month or an ISO range', () => {
    expect(parseReconcilePeriod('2026-11')).toEqual({ start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-12-01T00:00:00Z') });
    expect(parseReconcilePeriod('2026-11-03T00:00:00Z..2026-12-03T00:00:00Z')).toEqual({ start: new Date('2026-11-03T00:00:00Z'), end: new Date('2026-12-03T00:00:00Z') });
    expect(parseReconcilePeriod('last week')).toBeNull();
  });
});
