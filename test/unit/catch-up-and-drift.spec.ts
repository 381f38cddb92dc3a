import { diffBillingState } from '../../lib/webhooks/operations/billing-drift';
import { clampToRetention, parseSince } from '../../lib/webhooks/operations/event-catch-up';
import { snapshotState } from '../../lib/webhooks/sync/subscription-state.mapper';

const NOW = new Date('2026-11-30T12:00:00Z');

describe('events:catch-up --since', () => {
  it.each([
    ['90m', '2026-11-30T10:30:00.000Z'],
    ['12h', '2026-11-30T00:00:00.000Z'],
    ['3d', '2026-11-27T12:00:00.000Z'],
    ['2026-11-29T08:00:00Z', '2026-11-29T08:00:00.000Z'],
  ])('reads %s', (value, iso) => {
    expect(parseSince(value, NOW).toISOString()).toBe(iso);
  });

  it('moves a start older than Stripe keeps events to 30 days back (and a minute)', () => {
    expect(clampToRetention(parseSince('45d', NOW), NOW).toISOString()).toBe('2026-10-31T12:01:00.000Z');
    expect(clampToRetention(parseSince('2d', NOW), NOW).toISOString()).toBe('2026-11-28T12:00:00.000Z');
  });
});

describe('diffBillingState', () => {
  const stored = snapshotState({ stripeSubscriptionId: 'sub_1', plan: 'pro', subscriptionStatus: 'active', currentPeriodEnd: new Date('2026-12-01T00:00:00Z'), cancelAtPeriodEnd: false });

  it('compares dates by instant and flags by truth, and ignores columns Stripe did not speak to', () => {
    expect(diffBillingState('1', stored, { plan: 'pro', currentPeriodEnd: new Date('2026-12-01T00:00:00.000Z'), cancelAtPeriodEnd: false })).toEqual([]);
    expect(diffBillingState('1', { ...stored, currentPeriodEnd: '2026-12-01T00:00:00.000Z' as never }, { currentPeriodEnd: new Date('2026-12-01T00:00:00Z') })).toEqual([]);
  });

  it('names each differing column with both values', () => {
    expect(diffBillingState('1', stored, { plan: 'team', cancelAtPeriodEnd: true, billingSyncedAt: new Date() })).toEqual([
      { billableId: '1', field: 'plan', stored: 'pro', stripe: 'team' },
      { billableId: '1', field: 'cancelAtPeriodEnd', stored: false, stripe: true },
    ]);
  });

  it('reports a past-due run by presence, not by its start', () => {
    const pastDue = { ...stored, subscriptionStatus: 'past_due', pastDueSince: new Date('2026-11-20T00:00:00Z') };
    expect(diffBillingState('1', pastDue, { subscriptionStatus: 'past_due', pastDueSince: new Date('2026-11-21T00:00:00Z') })).toEqual([]);
    expect(diffBillingState('1', pastDue, { subscriptionStatus: 'past_due', pastDueSince: null })).toEqual([{ billableId: '1', field: 'pastDueSince', stored: pastDue.pastDueSince, stripe: null }]);
  });
});
