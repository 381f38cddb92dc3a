import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A paid one-time checkout, granted once: its Checkout Session id is the key. */
@Entity('payments_purchases')
export class CreditPurchaseEntity {
  /** Stripe Checkout Session id (`cs_...`). */
  @PrimaryColumn({ type: String, length: 255 })
  id: string;

  @Index()
  @Column({ name: 'billable_id', type: String, length: 64 })
  billableId: string;

  /** Product key from the catalogue. */
  @Column({ type: String, length: 64 })
  product: string;

  @Column({ type: 'int' })
  quantity: number;

  /** The plan held for life (`grantsPlan`), while not refunded in full. */
  @Column({ type: String, length: 64, nullable: true })
  plan: string | null;

  @Index()
  @Column({ name: 'payment_intent', type: String, length: 255, nullable: true })
  paymentIntent: string | null;

  /** Amount paid in the currency's smallest unit. */
  @Column({ name: 'amount_paid', type: 'int' })
  amountPaid: number;

  @Column({ type: String, length: 8 })
  currency: string;

  /** Sum of the refunds applied so far. */
  @Column({ name: 'refunded_amount', type: 'int', default: 0 })
  refundedAmount: number;

  /** 'paid', 'partially_refunded' or 'refunded'. */
  @Column({ type: String, length: 32 })
  status: string;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;
}
