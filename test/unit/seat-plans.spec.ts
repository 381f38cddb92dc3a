import { PaymentsModuleOptions, PlanCatalog, PlansDefinition } from '../../lib';
import { PaymentsConfigError, resolvePaymentsOptions } from '../../lib/payments-options.validator';
import { TestUser } from '../support/test-user.entity';

const base: PaymentsModuleOptions = {
  secretKey: 'sk_test_123',
  webhookSecret: 'whsec_abc',
  plans: { free: { name: 'Free' } },
  billableEntity: TestUser,
};

const withPlans = (plans: PlansDefinition, extra: Partial<PaymentsModuleOptions> = {}) => () => resolvePaymentsOptions({ ...base, plans, ...extra });

describe('per-seat plans and seat options', () => {
  it.each([
    [{ team: { name: 'Team', priceId: 'price_t', seats: { min: 0 } } }, /seats.min is 0/],
    [{ team: { name: 'Team', priceId: 'price_t', seats: { min: 5, max: 2 } } }, /seats.max \(2\) is below seats.min \(5\)/],
    [{ team: { name: 'Team', priceId: 'price_t', seats: { included: 1.5 } } }, /seats.included is 1.5/],
    [{ team: { name: 'Team', priceId: 'price_t', seats: 'many' } }, /seats must be an object/],
    [{ free: { name: 'Free', seats: { max: 3 } } }, /is free, so its seats can only be seats.included/],
    [{ biz: { name: 'Biz', prices: { month: 'price_b', year: 'price_by' }, seats: { prices: { month: 'price_s' } } } }, /no seat price for 'year'/],
    [{ biz: { name: 'Biz', prices: { month: 'price_b' }, seats: { prices: { month: 'price_b' } } } }, /as both base and seat price/],
    [{ biz: { name: 'Biz', prices: { month: 'price_b' }, seats: { prices: { month: 'seat' } } } }, /a Stripe price id starts with "price_"/],
    [{ a: { name: 'A', priceId: 'price_a' }, biz: { name: 'Biz', prices: { month: 'price_b' }, seats: { prices: { month: 'price_a' } } } }, /both use price 'price_a'/],
    [{ free: { name: 'Free', allocations: { projects: -2 } } }, /allocation 'projects' is -2/],
  ])('refuses %j with one sentence', (plans, message) => {
    expect(withPlans(plans as unknown as PlansDefinition)).toThrow(PaymentsConfigError);
    expect(withPlans(plans as unknown as PlansDefinition)).toThrow(message);
  });

  it.each([
    [{ coalesceSeconds: -1 }, /seats.coalesceSeconds must be/],
    [{ proration: { month: { add: 'later' } } }, /seats.proration.month.add must be/],
    [{ proration: { fortnight: { add: 'none' } } }, /seats.proration.fortnight is not a billing interval/],
    [{ getMemberId: 'user.id' }, /seats.getMemberId must be a function/],
  ])('refuses seats %j', (seats, message) => {
    expect(withPlans({ free: { name: 'Free' } }, { seats: seats as never })).toThrow(message);
  });

  it('defaults the proration policy per interval and lets each choice be changed', () => {
    const resolved = resolvePaymentsOptions({ ...base, seats: { proration: { month: { remove: 'create_prorations' } } } });
    expect(resolved.seats.coalesceSeconds).toBe(60);
    expect(resolved.seats.proration).toEqual({
      day: { add: 'create_prorations', remove: 'none' },
      week: { add: 'create_prorations', remove: 'none' },
      month: { add: 'create_prorations', remove: 'create_prorations' },
      year: { add: 'always_invoice', remove: 'none' },
    });
    expect(resolved.seats.getMemberId({ user: { id: 9 } })).toBe(9);
  });

  it('the catalogue knows the seat price of each plan and interval', () => {
    const catalog = new PlanCatalog({
      free: { name: 'Free', seats: { included: 2 } },
      team: { name: 'Team', prices: { month: 'price_tm', year: 'price_ty' }, seats: { max: 10 } },
      biz: { name: 'Biz', priceId: 'price_b', seats: { included: 3, priceId: 'price_bs' } },
      solo: { name: 'Solo', priceId: 'price_s' },
    });
    expect(catalog.get('free')?.seats).toEqual({ included: 2, min: 1, max: null, prices: {} });
    expect(catalog.seatPriceFor('team', 'year')).toBe('price_ty');
    expect(catalog.seatPriceFor('biz', 'month')).toBe('price_bs');
    expect(catalog.seatPriceFor('solo', 'month')).toBeUndefined();
    expect(catalog.byPriceId('price_bs')).toMatchObject({ plan: { key: 'biz' }, interval: 'month', seatAddOn: true });
    expect(catalog.byPriceId('price_b')?.seatAddOn).toBeUndefined();
  });
});
