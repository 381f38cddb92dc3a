import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A Stripe refund applied to a purchase, once: its id is the key. */
@Entity('payments_credit_refunds')
export class CreditRefundEntity {
  /** Stripe refund id (`re_...`). */
  @PrimaryColumn({ type: String, length: 255 })
  id: string;

  @Index()
  @Column({ name: 'purchase_id', type: String, length: 255 })
  purchaseId: string;

  @Column({ type: 'int' })
  amount: number;

  /** Units taken back from the purchase's buckets by this refund. */
  @Column({ name: 'units_taken', type: 'int' })
  unitsTaken: number;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;
}
