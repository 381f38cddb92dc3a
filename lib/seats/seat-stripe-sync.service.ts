import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { SeatAccountEntity } from '../persistence/entities/seat-account.entity';
import { PaymentsTx } from '../persistence/payments-transactions';
import { PlanCatalog } from '../plans/plan-catalog';
import { seatItemOf } from './seat-items';

const ENDED = ['canceled', 'incomplete_expired'];

/**
 * Brings a billable's seat account in line with a subscription fetched from Stripe, inside the
 * webhook sync's transaction (billable row locked). A new subscription (after checkout) sets the
 * purchased seats; a quantity changed at Stripe (the billing portal, the Dashboard) is adopted when
 * no local change is waiting to be pushed; a fetch older than the last read or write is ignored.
 */
@Injectable()
export class SeatStripeSync {
  private readonly logger = new Logger('Payments:Seats');

  constructor(private readonly catalog: PlanCatalog) {}

  async apply(tx: PaymentsTx, billableId: string, sub: Stripe.Subscription, fetchedAt: Date): Promise<void> {
    if (!this.catalog.hasSeats()) return;
    const repo = tx.manager.getRepository(SeatAccountEntity);
    const account = await repo.findOne({ where: { billableId }, ...tx.forUpdate });
    const seat = ENDED.includes(sub.status) ? undefined : seatItemOf(this.catalog, sub);
    if (!seat) {
      // Ended, or moved to a plan without seats: the account stops counting purchased seats.
      if (account && account.subscriptionId === sub.id) await repo.update({ billableId }, { subscriptionId: null, stripeQuantity: null, stripeSyncedAt: fetchedAt });
      return;
    }
    const quantity = seat.item.quantity ?? 1;
    if (!account) {
      await repo.insert({ billableId, subscriptionId: sub.id, plan: seat.plan.key, interval: seat.interval, purchased: quantity, seq: 0, syncedSeq: 0, stripeQuantity: quantity, stripeSyncedAt: fetchedAt });
      return;
    }
    if (account.subscriptionId !== sub.id) {
      // Another subscription's seats (an old one may still deliver events): only a live one we do not track yet replaces it.
      if (account.subscriptionId && account.stripeSyncedAt && account.stripeSyncedAt.getTime() > fetchedAt.getTime()) return;
      await repo.update(
        { billableId },
        { subscriptionId: sub.id, plan: seat.plan.key, interval: seat.interval, purchased: quantity, syncedSeq: account.seq, stripeQuantity: quantity, stripeSyncedAt: fetchedAt },
      );
      return;
    }
    if (account.stripeSyncedAt && account.stripeSyncedAt.getTime() > fetchedAt.getTime()) return;
    const patch: Partial<SeatAccountEntity> = { plan: seat.plan.key, interval: seat.interval, stripeQuantity: quantity, stripeSyncedAt: fetchedAt };
    // A pending local change wins: its push will set Stripe to it.
    if (account.syncedSeq >= account.seq && quantity !== account.purchased) {
      this.logger.log(`seats of billable ${billableId} changed at Stripe: ${account.purchased} -> ${quantity}`);
      patch.purchased = quantity;
    }
    await repo.update({ billableId }, patch);
  }
}
