import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { LIVE_STATUSES } from '../access/billing-status';
import { Billable, BillableStore } from '../persistence/billable-store';
import { KeyedMutex } from '../persistence/keyed-mutex';
import { PlanCatalog } from '../plans/plan-catalog';
import { CatalogPlan } from '../plans/plan.types';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { BillingSyncService } from '../webhooks/sync/billing-sync.service';
import { billableNotFound, StripeCustomersService } from './stripe-customers.service';

/** Who a new billable's Stripe customer is, when the free plan needs one (a $0 price). */
export interface EnrolInput {
  /** The payer's billing e-mail. Default: the `customerDetails` hook's, else the row's `email`. */
  email?: string;
  /** The payer's name (an organisation's). Default: the `customerDetails` hook's. */
  name?: string;
}

/**
 * Puts a new billable on the free plan (Lumen's enrol on signup). A free plan without a price needs
 * nothing at Stripe: the billable is free by having no subscription. A free plan sold at a $0 price
 * gets a customer and one subscription to it, whatever the retries and races: calls of one billable
 * are serialized in-process, a live subscription at Stripe is reused, and the create carries a key
 * derived from the billable, customer and price, so Stripe answers a concurrent or retried create
 * (another instance's) with the same subscription.
 */
@Injectable()
export class EnrolService {
  private readonly logger = new Logger('Payments:Billing');
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly catalog: PlanCatalog,
    private readonly store: BillableStore,
    private readonly gateway: StripeGateway,
    private readonly customers: StripeCustomersService,
    private readonly sync: BillingSyncService,
  ) {}

  /** Enrols the billable (its row must exist) on the free plan; returns the billable as stored afterwards. */
  async enrol(billableId: string, input: EnrolInput = {}): Promise<Billable> {
    const known = await this.store.findById(billableId);
    if (!known) throw billableNotFound();
    const plan = this.freePlan();
    if (plan.free) return known;
    if (this.hasLiveSubscription(known)) return known;
    return this.mutex.run(billableId, () => this.subscribeToZeroPrice(billableId, plan, input));
  }

  /** The plan new billables start on: the free plan (no price), else the cheapest plan, which must cost 0. */
  private freePlan(): CatalogPlan {
    return this.catalog.freePlan() ?? this.catalog.list()[0];
  }

  private async subscribeToZeroPrice(billableId: string, plan: CatalogPlan, input: EnrolInput): Promise<Billable> {
    const priceId = this.catalog.priceFor(plan.key) ?? Object.values(plan.prices)[0]!;
    const price = await this.gateway.call('prices.retrieve', (s) => s.prices.retrieve(priceId));
    if (price.unit_amount !== 0) {
      // Subscribing someone to a paid price without their consent would bill them: a setup mistake.
      throw new Error(`nestjs-headless-payments: enrol puts billables on the free plan, but plan '${plan.key}' (the cheapest) has a price that is not 0; add a plan without a price first, or give it a $0 price.`);
    }
    const billable = await this.customers.ensureCustomer(billableId, { email: input.email, name: input.name });
    if (this.hasLiveSubscription(billable)) return billable;
    const customer = billable.stripeCustomerId;
    const existing = await this.gateway.call('subscriptions.list', (s) => s.subscriptions.list({ customer, limit: 10 }));
    if (!existing.data.some((sub) => LIVE_STATUSES.includes(sub.status))) {
      const subscription = await this.gateway.call('subscriptions.create', (s) =>
        s.subscriptions.create(
          { customer, items: [{ price: priceId, quantity: 1 }], metadata: { billable_id: billableId }, billing_mode: { type: 'flexible' } },
          { idempotencyKey: enrolIdempotencyKey(billableId, customer, priceId) },
        ),
      );
      this.logger.log(`subscription ${subscription.id} created for billable ${billableId} on enrol (plan ${plan.key})`);
    }
    // The webhook writes the same state later; syncing now lets the app read the plan at once.
    return (await this.sync.syncBillable(billableId)) ?? billable;
  }

  private hasLiveSubscription(billable: Billable): boolean {
    return billable.subscriptionStatus !== null && billable.subscriptionStatus !== undefined && LIVE_STATUSES.includes(billable.subscriptionStatus);
  }
}

/** Time-independent, like the customer's key: a retry or a second instance's call gets the first subscription back. */
export function enrolIdempotencyKey(billableId: string, customer: string, priceId: string): string {
  return `nhp-enrol-${createHash('sha256').update(JSON.stringify(['enrol', billableId, customer, priceId])).digest('hex').slice(0, 40)}`;
}
