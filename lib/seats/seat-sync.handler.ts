import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { BillableStore } from '../persistence/billable-store';
import { SeatAccountEntity } from '../persistence/entities/seat-account.entity';
import { PaymentsTransactions } from '../persistence/payments-transactions';
import { PlanCatalog } from '../plans/plan-catalog';
import type { BillingInterval } from '../plans/plan.types';
import type { WorkHandler, WorkItem, WorkResult } from '../queue/work-queue.contract';
import { WorkQueue } from '../queue/work-queue.service';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { seatItemOf } from './seat-items';
import { SEAT_SYNC_KIND, SeatSyncPayload } from './seat.tokens';

/** Subscription statuses whose quantity no longer matters (nothing will be billed). */
const ENDED = ['canceled', 'incomplete_expired'];

/**
 * The `seat-sync` queue handler: reads the CURRENT desired quantity from the database (never the
 * payload's), reads Stripe's, and sets Stripe's when they differ, with an idempotency key derived
 * from (subscription, quantity, change sequence) so a retry after a lost answer replays instead of
 * updating twice. No transaction is open during either Stripe call; the result is recorded after,
 * under the billable's lock, only if no newer record exists.
 */
@Injectable()
export class SeatSyncHandler implements WorkHandler<SeatSyncPayload>, OnModuleInit {
  readonly kind = SEAT_SYNC_KIND;
  /** Stripe outages last: more tries than the default before the item is parked as failed. */
  readonly maxAttempts = 12;
  private readonly logger = new Logger('Payments:Seats');

  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly catalog: PlanCatalog,
    private readonly store: BillableStore,
    private readonly transactions: PaymentsTransactions,
    private readonly gateway: StripeGateway,
    private readonly queue: WorkQueue,
  ) {}

  onModuleInit(): void {
    if (this.catalog.hasSeats()) this.queue.register(this);
  }

  async run(item: WorkItem<SeatSyncPayload>): Promise<WorkResult> {
    const accounts = this.transactions.dataSource.getRepository(SeatAccountEntity);
    const account = await accounts.findOne({ where: { billableId: item.payload.billableId } });
    // The subscription changed or ended since the change was queued: nothing left to push to this one.
    if (!account || account.subscriptionId !== item.key || account.syncedSeq >= account.seq) return 'done';
    const sub = await this.gateway.call('subscriptions.retrieve', (s) => s.subscriptions.retrieve(item.key));
    if (ENDED.includes(sub.status)) return 'done';
    // Read again after the Stripe read: a change made meanwhile is pushed now, not left for a rerun,
    // and a run that lost the item to another worker finds its change already synced.
    const fresh = await accounts.findOne({ where: { billableId: item.payload.billableId } });
    if (!fresh || fresh.subscriptionId !== item.key || fresh.syncedSeq >= fresh.seq) return 'done';
    const { seq, purchased: desired } = fresh;
    const seatItem = seatItemOf(this.catalog, sub);
    if (!seatItem) {
      this.logger.error(`subscription ${sub.id} has no seat item of plan '${account.plan}'; seats of billable ${account.billableId} cannot reach Stripe`);
      return 'done';
    }
    const current = seatItem.item.quantity ?? 1;
    if (current !== desired) {
      const proration = this.options.seats.proration[seatItem.interval as BillingInterval] ?? this.options.seats.proration.month;
      const behaviour = desired > current ? proration.add : proration.remove;
      await this.gateway.call('subscriptions.update', (s) =>
        s.subscriptions.update(
          sub.id,
          { items: [{ id: seatItem.item.id, quantity: desired }], proration_behavior: behaviour },
          { idempotencyKey: seatUpdateKey(sub.id, desired, seq) },
        ),
      );
      this.logger.log(`seats of ${sub.id} set to ${desired} at Stripe (from ${current}, ${behaviour}, change ${seq})`);
    }
    await this.recordSynced(account.billableId, item.key, seq, desired, new Date());
    return 'done';
  }

  /** Marks change `seq` as at Stripe; a newer change keeps the account pending (its own enqueue runs it next). */
  private async recordSynced(billableId: string, subscriptionId: string, seq: number, quantity: number, at: Date): Promise<void> {
    await this.transactions.run(async (tx) => {
      await this.store.lockById(tx, billableId);
      const repo = tx.manager.getRepository(SeatAccountEntity);
      const fresh = await repo.findOne({ where: { billableId }, ...tx.forUpdate });
      if (!fresh || fresh.subscriptionId !== subscriptionId || fresh.syncedSeq >= seq) return;
      await repo.update({ billableId }, { syncedSeq: seq, stripeQuantity: quantity, stripeSyncedAt: at });
    });
  }
}

/** The Stripe idempotency key of one seat push: the same change retried replays, a new change is a new key. */
export function seatUpdateKey(subscriptionId: string, quantity: number, seq: number): string {
  const digest = createHash('sha256').update(JSON.stringify([subscriptionId, quantity, seq])).digest('hex').slice(0, 40);
  return `nhp-seats.update-${digest}`;
}
