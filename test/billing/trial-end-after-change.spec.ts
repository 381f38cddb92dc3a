import type Stripe from 'stripe';
import { ResolvedPrice } from '../../lib/billing/billing-inputs';
import { trialEndAfterChange } from '../../lib/billing/plan-change.service';

const DAY = 86_400;
const now = 1_800_000_000;

const sub = (status: string, trialStart: number | null, trialEnd: number | null) => ({ status, trial_start: trialStart, trial_end: trialEnd }) as unknown as Stripe.Subscription;
const target = (trialDays?: number) => ({ plan: { key: 'x', trialDays }, interval: 'month', priceId: 'price_x' }) as unknown as ResolvedPrice;

describe('trialEndAfterChange (the trial a plan change leaves)', () => {
  it.each([
    ['not trialing: nothing to do', sub('active', null, null), target(14), undefined],
    ['a trial already over: nothing to do', sub('trialing', now - 20 * DAY, now - 1), target(14), undefined],
    ['onto a plan without a trial: ends now', sub('trialing', now - 2 * DAY, now + 12 * DAY), target(undefined), 'now'],
    ['onto a plan with the same trial: kept as it is', sub('trialing', now - 2 * DAY, now + 12 * DAY), target(14), undefined],
    ['onto a plan with a longer trial: never longer than the remaining one', sub('trialing', now - 2 * DAY, now + 12 * DAY), target(30), undefined],
    ['onto a plan with a shorter trial: capped at its length from the trial start', sub('trialing', now - 2 * DAY, now + 12 * DAY), target(7), now + 5 * DAY],
    ['onto a plan whose trial would already be over: ends now', sub('trialing', now - 10 * DAY, now + 4 * DAY), target(7), 'now'],
  ])('%s', (_name, subscription, price, expected) => {
    expect(trialEndAfterChange(subscription, price, now)).toBe(expected);
  });
});
