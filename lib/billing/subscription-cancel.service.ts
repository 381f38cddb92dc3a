import { Inject, Injectable, Logger } from '@nestjs/common';
import { onGracePeriod, LIVE_STATUSES } from '../access/billing-status';
import { PaymentsException } from '../common/payments.exception';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { Billable } from '../persistence/billable-store';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { BillableSubscriptionService } from './billable-subscription.service';
import { noSubscription } from './plan-change.service';
import { SubscriptionView } from './subscription.view';

/**
 * Cancel (at period end by default, idempotent) and resume (only in the grace period). After each
 * Stripe change the state is re-read from Stripe through the sync code, so the answer is Stripe's.
 */
@Injectable()
export class SubscriptionCancelService {
  private readonly logger = new Logger('Payments:Billing');

  constructor(
    private readonly subscriptions: BillableSubscriptionService,
    private readonly gateway: StripeGateway,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  /** Cancels at the period end, or now with `immediately` when `allowImmediateCancel` is set. */
  async cancel(billableId: string, input: { immediately?: boolean } = {}): Promise<SubscriptionView> {
    if (input.immediately && !this.options.allowImmediateCancel) {
      throw new PaymentsException(403, 'immediate_cancel_disabled', 'Immediate cancellation is not enabled; cancel at the period end instead.');
    }
    const billable = await this.subscriptions.load(billableId);
    const subId = billable.stripeSubscriptionId;
    if (!subId || !billable.subscriptionStatus) throw noSubscription();
    const live = LIVE_STATUSES.includes(billable.subscriptionStatus);
    const alreadyEnding = billable.cancelAtPeriodEnd || billable.cancelAt !== null;
    // Cancelling twice is not an error: answer the state as it is, without asking Stripe again.
    if (!live || (alreadyEnding && !input.immediately)) {
      if (!live && billable.subscriptionStatus !== 'canceled' && billable.subscriptionStatus !== 'incomplete_expired') throw noSubscription();
      return this.subscriptions.view(billable);
    }
    const idempotencyKey = this.subscriptions.key(billable, input.immediately ? 'subscription.cancel_now' : 'subscription.cancel');
    if (input.immediately) {
      await this.gateway.call('subscriptions.cancel', (s) => s.subscriptions.cancel(subId, {}, { idempotencyKey }));
    } else {
      await this.releaseSchedule(billable, subId);
      await this.gateway.call('subscriptions.update', (s) => s.subscriptions.update(subId, { cancel_at_period_end: true }, { idempotencyKey }));
    }
    this.logger.log(`subscription ${subId} cancelled ${input.immediately ? 'now' : 'at period end'} by billable ${billableId}`);
    return this.subscriptions.viewAfterChange(billable, subId);
  }

  /** Undoes a cancel while the paid period lasts; 400 `not_in_grace_period` otherwise. */
  async resume(billableId: string): Promise<SubscriptionView> {
    const billable = await this.subscriptions.load(billableId);
    const subId = billable.stripeSubscriptionId;
    if (!subId || !onGracePeriod(billable, new Date())) {
      throw new PaymentsException(400, 'not_in_grace_period', 'Only a cancelled subscription whose period has not ended can be resumed.');
    }
    // The portal cancels with `cancel_at` instead of the flag (API basil+): clear whichever is set.
    const params = billable.cancelAtPeriodEnd ? { cancel_at_period_end: false } : { cancel_at: '' as const };
    await this.gateway.call('subscriptions.update', (s) => s.subscriptions.update(subId, params, { idempotencyKey: this.subscriptions.key(billable, 'subscription.resume') }));
    this.logger.log(`subscription ${subId} resumed by billable ${billableId}`);
    return this.subscriptions.viewAfterChange(billable, subId);
  }

  /**
   * Stripe refuses cancellation flags on a subscription driven by a schedule (a downgrade waiting for
   * the period end). Cancelling wins: the schedule is released, so the pending downgrade is dropped.
   */
  private async releaseSchedule(billable: Billable, subId: string): Promise<void> {
    const sub = await this.gateway.call('subscriptions.retrieve', (s) => s.subscriptions.retrieve(subId));
    const scheduleId = typeof sub.schedule === 'string' ? sub.schedule : sub.schedule?.id;
    if (!scheduleId) return;
    await this.gateway.call('subscriptionSchedules.release', (s) =>
      s.subscriptionSchedules.release(scheduleId, {}, { idempotencyKey: this.subscriptions.key(billable, 'schedule.release') }),
    );
    this.logger.log(`schedule ${scheduleId} released so ${subId} can cancel at the period end`);
  }
}
