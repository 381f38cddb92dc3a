import { Inject, Injectable } from '@nestjs/common';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { Billable, BillableStore } from '../persistence/billable-store';
import { PlanCatalog } from '../plans/plan-catalog';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { BillingSyncService } from '../webhooks/sync/billing-sync.service';
import { billableNotFound } from './stripe-customers.service';
import { subscriptionView, SubscriptionView } from './subscription.view';

/**
 * What the actions on a billable's own subscription (cancel, resume, pause, unpause) share: loading
 * the billable, keying each Stripe change by the stored state, and answering with Stripe's state.
 */
@Injectable()
export class BillableSubscriptionService {
  constructor(
    private readonly catalog: PlanCatalog,
    private readonly store: BillableStore,
    private readonly gateway: StripeGateway,
    private readonly sync: BillingSyncService,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  /** The billable, or 404 `billable_not_found`. */
  async load(billableId: string): Promise<Billable> {
    const billable = await this.store.findById(billableId);
    if (!billable) throw billableNotFound();
    return billable;
  }

  /**
   * The state version is in the key, so cancel → resume → cancel (or pause → unpause → pause) makes
   * three Stripe calls, not a replay of the first.
   */
  key(billable: Billable, action: string): string {
    return this.gateway.idempotencyKey({ owner: this.store.idOf(billable), action, inputs: { sub: billable.stripeSubscriptionId, version: billable.billingVersion } });
  }

  view(state: Billable): SubscriptionView {
    return subscriptionView(state, this.catalog, this.options.pastDue);
  }

  /** After a Stripe change: the state re-read from Stripe through the sync code, so the answer is Stripe's. */
  async viewAfterChange(billable: Billable, subId: string): Promise<SubscriptionView> {
    return this.view((await this.sync.syncSubscription(subId)) ?? billable);
  }
}
