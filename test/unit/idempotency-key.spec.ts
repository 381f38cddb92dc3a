import { idempotencyKeyFor } from '../../lib/stripe/idempotency-key';

describe('idempotency keys from intent', () => {
  const at = new Date('2026-11-20T10:00:10Z');
  const intent = { owner: '42', action: 'checkout.create', inputs: { plan: 'pro', interval: 'month' } };

  it('gives the same key for the same owner, action and inputs within a window', () => {
    const later = new Date(at.getTime() + 60_000);
    expect(idempotencyKeyFor(intent, 600, at)).toBe(idempotencyKeyFor(intent, 600, later));
  });

  it('ignores the order of input keys', () => {
    const swapped = { ...intent, inputs: { interval: 'month', plan: 'pro' } };
    expect(idempotencyKeyFor(swapped, 600, at)).toBe(idempotencyKeyFor(intent, 600, at));
  });

  it.each([
    ['owner', { ...intent, owner: '43' }],
    ['action', { ...intent, action: 'portal.create' }],
    ['inputs', { ...intent, inputs: { plan: 'enterprise', interval: 'month' } }],
  ])('changes when the %s changes', (_what, other) => {
    expect(idempotencyKeyFor(other, 600, at)).not.toBe(idempotencyKeyFor(intent, 600, at));
  });

  it('changes in the next window', () => {
    expect(idempotencyKeyFor(intent, 600, new Date(at.getTime() + 600_000))).not.toBe(idempotencyKeyFor(intent, 600, at));
  });

  it('stays within Stripe limits and names its action without leaking inputs', () => {
    const key = idempotencyKeyFor(intent, 600, at);
    expect(key.length).toBeLessThanOrEqual(255);
    expect(key).toMatch(/^nhp-checkout\.create-[0-9a-f]{40}$/);
    expect(key).not.toContain('pro');
  });
});
