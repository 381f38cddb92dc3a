import { endsAt } from '../../access/billing-status';
import { BillingState } from '../../persistence/billing-state';
import { BillingEventType } from '../handlers/webhook-handler.types';
import { ENDED_STATUSES, HOLDING_STATUSES } from './subscription-state.mapper';

const ACCESS_STATUSES = ['active', 'trialing'];

/**
 * The typed billing events a state change amounts to. Derived from the state before and after
 * (under the row lock), so each transition is reported once however many Stripe events carry it.
 */
export function billingTransitions(previous: BillingState, current: BillingState): BillingEventType[] {
  const events: BillingEventType[] = [];
  const sameSub = previous.stripeSubscriptionId === current.stripeSubscriptionId;
  const was = sameSub ? previous.subscriptionStatus : null;
  const now = current.subscriptionStatus;
  const wasHolding = was !== null && HOLDING_STATUSES.includes(was);
  if (now && ACCESS_STATUSES.includes(now) && !wasHolding) events.push('subscription.activated');
  if (now && ENDED_STATUSES.includes(now) && was !== null && !ENDED_STATUSES.includes(was)) events.push('subscription.canceled');
  if (now === 'paused' && was !== 'paused') events.push('subscription.paused');
  if (was === 'paused' && now && ACCESS_STATUSES.includes(now)) events.push('subscription.resumed');
  if (now === 'past_due' && was !== 'past_due') events.push('past_due.started');
  if ((was === 'past_due' || was === 'unpaid') && now === 'active') events.push('payment.recovered');
  if (now && HOLDING_STATUSES.includes(now) && sameSub) {
    const before = endsAt(previous);
    const after = endsAt(current);
    if (!before && after) events.push('subscription.cancel_scheduled');
    if (before && !after) events.push('subscription.cancel_unscheduled');
  }
  if (previous.plan !== current.plan) events.push('plan.changed');
  return events;
}
