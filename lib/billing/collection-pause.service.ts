import { Injectable, Logger } from '@nestjs/common';
import { PaymentsException } from '../common/payments.exception';
import { PlanCatalog } from '../plans/plan-catalog';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { BillableSubscriptionService } from './billable-subscription.service';
import { noSubscription } from './plan-change.service';
import { SubscriptionView } from './subscription.view';

/**
 * Pausing payment collection on plans that allow it (`pausable: true`): Stripe voids the invoices
 * while paused, and the state is stored as `paused`, so the guards give the free plan until
 * `unpause`. Each change is one idempotent Stripe update, then the state is re-read from Stripe.
 */
@Injectable()
export class CollectionPauseService {
  private readonly logger = new Logger('Payments:Billing');

  constructor(
    private readonly catalog: PlanCatalog,
    private readonly subscriptions: BillableSubscriptionService,
    private readonly gateway: StripeGateway,
  ) {}

  /** Pauses an active subscription of a pausable plan; a paused one is answered as it is. */
  async pause(billableId: string): Promise<SubscriptionView> {
    const billable = await this.subscriptions.load(billableId);
    const subId = billable.stripeSubscriptionId;
    if (!subId || !billable.subscriptionStatus || ['canceled', 'incomplete_expired'].includes(billable.subscriptionStatus)) throw noSubscription();
    if (billable.subscriptionStatus === 'paused') return this.subscriptions.view(billable);
    if (!this.catalog.get(billable.plan)?.pausable) {
      throw new PaymentsException(403, 'pause_not_allowed', 'Your plan cannot be paused.');
    }
    // A trial, an unpaid invoice or a cancellation under way each have their own way out; pausing
    // over them would hide a payment owed or an end already chosen.
    if (billable.subscriptionStatus !== 'active' || billable.cancelAtPeriodEnd || billable.cancelAt !== null) {
      throw new PaymentsException(400, 'cannot_pause', 'Only an active subscription that is not being cancelled can be paused.');
    }
    await this.gateway.call('subscriptions.update', (s) =>
      s.subscriptions.update(subId, { pause_collection: { behavior: 'void' } }, { idempotencyKey: this.subscriptions.key(billable, 'subscription.pause') }),
    );
    this.logger.log(`collection of ${subId} paused by billable ${billableId}`);
    return this.subscriptions.viewAfterChange(billable, subId);
  }

  /** Resumes collection of a paused subscription; 400 `not_paused` otherwise. */
  async unpause(billableId: string): Promise<SubscriptionView> {
    const billable = await this.subscriptions.load(billableId);
    const subId = billable.stripeSubscriptionId;
    if (!subId || billable.subscriptionStatus !== 'paused') throw new PaymentsException(400, 'not_paused', 'Your subscription is not paused.');
    await this.gateway.call('subscriptions.update', (s) =>
      s.subscriptions.update(subId, { pause_collection: '' }, { idempotencyKey: this.subscriptions.key(billable, 'subscription.unpause') }),
    );
    this.logger.log(`collection of ${subId} resumed by billable ${billableId}`);
    return this.subscriptions.viewAfterChange(billable, subId);
  }
}
