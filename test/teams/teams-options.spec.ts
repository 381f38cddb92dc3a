import { PaymentsConfigError } from '../../lib';
import { resolvePaymentsOptions } from '../../lib/payments-options.validator';
import { testPlans } from '../support/test-plans';
import { TestUser } from '../support/test-user.entity';

const base = { secretKey: 'sk_test_x', plans: testPlans, billableEntity: TestUser };

describe('organisation options', () => {
  it('default authorizeBilling allows every action of the signed-in billable; customerDetails stays unset', async () => {
    const resolved = resolvePaymentsOptions(base);
    for (const action of ['view', 'checkout', 'cancel', 'manage_seats'] as const) expect(await resolved.authorizeBilling({}, action, '1')).toBe(true);
    expect(resolved.customerDetails).toBeUndefined();
  });

  it.each([
    ['authorizeBilling', { authorizeBilling: true }, /authorizeBilling must be a function/],
    ['customerDetails', { customerDetails: { email: 'x@y.z' } }, /customerDetails must be a function/],
  ])('a %s that is not a function fails at start-up with one sentence', (_name, extra, message) => {
    expect(() => resolvePaymentsOptions({ ...base, ...(extra as object) })).toThrow(PaymentsConfigError);
    expect(() => resolvePaymentsOptions({ ...base, ...(extra as object) })).toThrow(message);
  });
});
