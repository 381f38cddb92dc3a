import { emailFingerprint, normaliseEmail } from '../../lib/billing/trial-fingerprints';
import { resolvePaymentsOptions } from '../../lib/payments-options.validator';
import { TestUser } from '../support/test-user.entity';
import { testPlans } from '../support/test-plans';

describe('normaliseEmail', () => {
  it.each([
    ['Jane.Doe+trial@Gmail.com', 'janedoe@gmail.com'],
    ['j.a.n.e.d.o.e@googlemail.com', 'janedoe@gmail.com'],
    ['  sam+work@outlook.com ', 'sam@outlook.com'],
    ['sam.smith+x@icloud.com', 'sam.smith@icloud.com'],
    ['jane.doe+x@example.com', 'jane.doe+x@example.com'],
    ['JANE@Example.COM', 'jane@example.com'],
    ['+tag@gmail.com', null],
    ['not-an-address', null],
    ['@gmail.com', null],
    ['jane@', null],
  ])('%s -> %s', (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
  });

  it('stores a hash of the normalised address, equal for one mailbox', () => {
    expect(emailFingerprint('Jane.Doe+a@gmail.com')).toBe(emailFingerprint('janedoe@googlemail.com'));
    expect(emailFingerprint('Jane.Doe+a@gmail.com')).toMatch(/^[0-9a-f]{64}$/);
    expect(emailFingerprint(null)).toBeNull();
  });
});

describe('trial options', () => {
  const base = { secretKey: 'sk_test_x', plans: testPlans, billableEntity: TestUser };
  it('default to one trial per billable, no fingerprint checks, and open without a trial on a repeat', () => {
    expect(resolvePaymentsOptions(base).trial).toEqual({ oncePerBillable: true, oncePerCard: false, oncePerEmail: false, onRepeat: 'without_trial' });
  });
  it('refuse a wrong value with one sentence', () => {
    expect(() => resolvePaymentsOptions({ ...base, trial: { onRepeat: 'block' as never } })).toThrow("nestjs-headless-payments: trial.onRepeat must be 'without_trial' or 'refuse', not 'block'.");
    expect(() => resolvePaymentsOptions({ ...base, trial: { oncePerCard: 'yes' as never } })).toThrow('nestjs-headless-payments: trial.oncePerCard must be true or false, not yes.');
  });
});
