import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The seats one billable pays for: `purchased` is what the app asked for (written at once, in the
 * request's transaction), `stripeQuantity` what Stripe was last seen or set to. `seq` counts local
 * changes and `syncedSeq` the last one pushed, so the sync knows whether Stripe is behind.
 */
@Entity('payments_seat_accounts')
export class SeatAccountEntity {
  @PrimaryColumn({ name: 'billable_id', type: String, length: 64 })
  billableId: string;

  /** The subscription whose seat item carries the quantity; null once it has ended. */
  @Column({ name: 'subscription_id', type: String, length: 255, nullable: true })
  subscriptionId: string | null;

  /** Plan key the seats belong to (its min, max and included seats apply). */
  @Column({ type: String, length: 64, nullable: true })
  plan: string | null;

  /** The billing interval of the subscription, for the proration policy. */
  @Column({ type: String, length: 8, nullable: true })
  interval: string | null;

  @Column({ type: 'int', default: 0 })
  purchased: number;

  @Column({ type: 'int', default: 0 })
  seq: number;

  @Column({ name: 'synced_seq', type: 'int', default: 0 })
  syncedSeq: number;

  /** The seat item's quantity at Stripe when last read or written. */
  @Column({ name: 'stripe_quantity', type: 'int', nullable: true })
  stripeQuantity: number | null;

  /** When Stripe's quantity was last read or written: an older fetch never overwrites it. Milliseconds matter. */
  @Column({ name: 'stripe_synced_at', type: Date, nullable: true, precision: 3 })
  stripeSyncedAt: Date | null;
}
