import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A paid invoice, recorded once per invoice id from `invoice.paid`. */
@Entity('payments_payments')
export class PaymentEntity {
  /** Stripe invoice id (`in_...`). */
  @PrimaryColumn({ type: String, length: 255 })
  id: string;

  @Index()
  @Column({ name: 'billable_id', type: String, length: 64, nullable: true })
  billableId: string | null;

  @Column({ name: 'stripe_customer_id', type: String, length: 255 })
  stripeCustomerId: string;

  @Column({ name: 'stripe_subscription_id', type: String, length: 255, nullable: true })
  stripeSubscriptionId: string | null;

  /** Amount paid in the currency's smallest unit. */
  @Column({ name: 'amount_paid', type: 'int' })
  amountPaid: number;

  @Column({ type: String, length: 8 })
  currency: string;

  @Column({ type: String, length: 32 })
  status: string;

  @Column({ name: 'paid_at', type: Date })
  paidAt: Date;

  @Column({ name: 'period_start', type: Date, nullable: true })
  periodStart: Date | null;

  @Column({ name: 'period_end', type: Date, nullable: true })
  periodEnd: Date | null;
}
