import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Purchased units of one metric for one billable; `remaining` only moves by guarded updates. */
@Entity('payments_credit_buckets')
@Index(['billableId', 'metric'])
@Index(['purchaseId', 'metric'], { unique: true })
export class CreditBucketEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'billable_id', type: String, length: 64 })
  billableId: string;

  @Column({ type: String, length: 64 })
  metric: string;

  /** The purchase (Checkout Session id) that granted it. */
  @Column({ name: 'purchase_id', type: String, length: 255 })
  purchaseId: string;

  /** Units granted by the purchase. */
  @Column({ type: 'int' })
  granted: number;

  /** Units left to spend (never below 0). */
  @Column({ type: 'int' })
  remaining: number;

  /** Units taken back by refunds. */
  @Column({ name: 'refunded_units', type: 'int', default: 0 })
  refundedUnits: number;

  /** When the units stop being spendable; null: never. */
  @Column({ name: 'expires_at', type: Date, nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;
}
