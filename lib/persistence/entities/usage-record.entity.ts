import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One counted use: makes a retried request with the same idempotency key count once. */
@Entity('payments_usage_records')
@Index(['billableId', 'metric', 'idempotencyKey'], { unique: true })
export class UsageRecordEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'billable_id', type: String, length: 64 })
  billableId: string;

  @Column({ type: String, length: 64 })
  metric: string;

  /** The client's `Idempotency-Key` (or a generated one). */
  @Column({ name: 'idempotency_key', type: String, length: 255 })
  idempotencyKey: string;

  @Column({ type: 'int' })
  quantity: number;

  @Column({ name: 'period_start', type: Date })
  periodStart: Date;

  /** 'reserved' until the handler succeeds, then 'committed'; 'released' after a failure. */
  @Column({ type: String, length: 16 })
  status: 'reserved' | 'committed' | 'released';

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  /** When the use was reported to a Stripe meter, if it is. */
  @Column({ name: 'reported_at', type: Date, nullable: true })
  reportedAt: Date | null;
}
