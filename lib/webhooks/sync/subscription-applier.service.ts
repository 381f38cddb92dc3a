import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { TrialFingerprints } from '../../billing/trial-fingerprints.service';
import { Billable, BillableStore } from '../../persistence/billable-store';
import { BillingState } from '../../persistence/billing-state';
import { PaymentsTx } from '../../persistence/payments-transactions';
import { PlanCatalog } from '../../plans/plan-catalog';
import { SeatStripeSync } from '../../seats/seat-stripe-sync.service';
import { StripeGateway } from '../../stripe/stripe-gateway.service';
import { BillingEventType } from '../handlers/webhook-handler.types';
import { WebhookHandlers } from '../handlers/webhook-handlers.service';
import { billingTransitions } from './billing-transitions';
import { StripeCallNeeded, StripeLookups } from './fetch-then-apply';
import { changesState, ENDED_STATUSES, HOLDING_STATUSES, snapshotState, stateFromSubscription, toDate } from './subscription-state.mapper';

/** The billable's state around one sync (null billable: no billable owns the customer). */
export interface SyncOutcome {
  billable: Billable;
  previous: BillingState;
  current: BillingState;
}

/** Why a fetched subscription was not written. */
type Skip = 'stale' | 'other_subscription' | null;

/** What one apply is given beside the subscription. */
export interface ApplyContext {
  /** When the fetch of the subscription began: the stale guard orders syncs by it. */
  fetchedAt: Date;
  event: Stripe.Event | null;
  /** A customer to link to the billable (it has none yet). */
  link?: string;
  /** Other subscriptions fetched before the transaction (a missing one rolls the transaction back to fetch it). */
  lookups: StripeLookups;
}

/**
 * Writes a fetched subscription onto a locked billable, with the guards that keep state moving
 * forward: a sync older than the last one is dropped, an ended or stale other subscription never
 * replaces the current one, and a second live subscription is cancelled at Stripe (double charge).
 * It makes no Stripe call: what it needs and lacks, it asks for with `StripeCallNeeded`.
 */
@Injectable()
export class SubscriptionApplier {
  private readonly logger = new Logger('Payments:Webhooks');

  constructor(
    private readonly store: BillableStore,
    private readonly catalog: PlanCatalog,
    private readonly gateway: StripeGateway,
    private readonly handlers: WebhookHandlers,
    private readonly trials: TrialFingerprints,
    private readonly seats: SeatStripeSync,
  ) {}

  /** Applies `sub` (fetched at `ctx.fetchedAt`) to the locked `billable`; emits the typed events of the change. */
  async apply(tx: PaymentsTx, billable: Billable, sub: Stripe.Subscription, ctx: ApplyContext): Promise<SyncOutcome> {
    const previous = snapshotState(billable);
    const skip = this.shouldSkip(billable, sub, ctx);
    if (skip) {
      this.logger.log(`Sync of ${sub.id} for billable ${this.store.idOf(billable)} skipped: ${skip}`);
      if (ctx.link) await this.store.writeState(tx, billable, { stripeCustomerId: ctx.link });
      return { billable, previous, current: snapshotState(billable) };
    }
    // Seats follow the subscription's quantity even when the billing columns do not change.
    await this.seats.apply(tx, this.store.idOf(billable), sub, ctx.fetchedAt);
    const eventTime = toDate(ctx.event?.created) ?? ctx.fetchedAt;
    const { patch, unknownPriceId } = stateFromSubscription(sub, previous, this.catalog, { syncedAt: ctx.fetchedAt, pastDueFallback: eventTime });
    if (unknownPriceId) this.logger.warn(`Subscription ${sub.id} has price ${unknownPriceId}, which no plan sells; the plan stays free.`);
    if (ctx.link) patch.stripeCustomerId = ctx.link;
    // Polls and redeliveries mostly find the state as stored: no write, no version bump, no cache drop.
    if (!changesState(previous, patch)) return { billable, previous, current: previous };
    if (this.trials.enabled && !previous.trialUsed && patch.trialUsed) await this.recordTrial(tx, billable, sub, ctx);
    await this.store.writeState(tx, billable, patch);
    const current = snapshotState(billable);
    await this.emit(tx, billable, previous, current, billingTransitions(previous, current), ctx.event);
    return { billable, previous, current };
  }

  /** Runs the app's typed billing-event handlers inside the transaction. */
  async emit(tx: PaymentsTx, billable: Billable, previous: BillingState, current: BillingState, types: BillingEventType[], event: Stripe.Event | null): Promise<void> {
    const billableId = this.store.idOf(billable);
    for (const type of types) {
      await this.handlers.dispatchBillingEvent({ type, billableId, previous, current, event }, { manager: tx.manager });
    }
  }

  /**
   * A trial starts: its card and e-mail are recorded. A card that had a trial on another billable
   * (seen only now: it was typed on Stripe's page) ends this trial at Stripe before state is written.
   */
  private async recordTrial(tx: PaymentsTx, billable: Billable, sub: Stripe.Subscription, ctx: ApplyContext): Promise<void> {
    const billableId = this.store.idOf(billable);
    const evidence = ctx.lookups.fetched(`trial evidence of ${sub.id}`, () => this.trials.fromSubscription(sub));
    const repeats = await this.trials.record(tx, billableId, sub.id, evidence);
    if (repeats.card && sub.status === 'trialing') {
      // The next round re-fetches the subscription, active (or awaiting payment), and writes that.
      throw new StripeCallNeeded(`end repeat trial ${sub.id}`, () => this.trials.endTrial(billableId, sub.id));
    }
  }

  private shouldSkip(billable: Billable, sub: Stripe.Subscription, ctx: ApplyContext): Skip {
    const currentId = billable.stripeSubscriptionId;
    if (!currentId || currentId === sub.id) {
      // Same subscription: a sync that fetched before the last committed one carries older data.
      // Fetches run before the lock, so two syncs may overlap: this comparison, under the row
      // lock, is what keeps the older fetch from winning whichever commits last.
      if (currentId === sub.id && billable.billingSyncedAt && billable.billingSyncedAt.getTime() > ctx.fetchedAt.getTime()) return 'stale';
      // Stripe never goes back to `incomplete`; guard anyway so a paying user is never stuck there.
      if (currentId === sub.id && sub.status === 'incomplete' && HOLDING_STATUSES.includes(billable.subscriptionStatus ?? '')) return 'stale';
      return null;
    }
    if (ENDED_STATUSES.includes(sub.status)) return 'other_subscription';
    const localHolding = HOLDING_STATUSES.includes(billable.subscriptionStatus ?? '');
    if (!localHolding) return null;
    // The local row may lag behind Stripe (its cancel not processed yet): ask Stripe before refusing.
    const existing = ctx.lookups.subscription(currentId);
    if (!existing || !HOLDING_STATUSES.includes(existing.status)) return null;
    if (sub.status === 'incomplete') return 'other_subscription';
    // Cancelled with no transaction open; the next round re-fetches it, ended, and skips it.
    throw new StripeCallNeeded(`cancel duplicate ${sub.id}`, () => this.cancelDuplicate(billable, sub, currentId));
  }

  private async cancelDuplicate(billable: Billable, sub: Stripe.Subscription, keptId: string): Promise<void> {
    const owner = this.store.idOf(billable);
    this.logger.warn(`Billable ${owner} already has live subscription ${keptId}; cancelling the second one, ${sub.id}, to avoid a double charge.`);
    const idempotencyKey = this.gateway.idempotencyKey({ owner, action: 'subscription.cancel_duplicate', inputs: { subscription: sub.id } });
    await this.gateway.call('subscriptions.cancel', (s) => s.subscriptions.cancel(sub.id, {}, { idempotencyKey }));
  }
}
