import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One use counted under an idempotency key, with the first answer to replay to the key's repeats.
 * A key is unique per billable, metric and period, and is honoured for the idempotency window
 * from `createdAt` (see `usageIdempotency.windowSeconds`).
 */
@Entity('payments_usage_records')
@Index(['billableId', 'metric', 'periodStart', 'idempotencyKey'], { unique: true })
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

  /** When the key was (last) counted: its idempotency window starts here. */
  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  /** When the use was reported to a Stripe meter, if it is. */
  @Column({ name: 'reported_at', type: Date, nullable: true })
  reportedAt: Date | null;

  /** HTTP status of the first answer (null when counted from code). */
  @Column({ name: 'response_status', type: 'int', nullable: true })
  responseStatus: number | null;

  /** The first answer's body as `{"v": <JSON>}`; null when it was not JSON data or too large to keep. */
  @Column({ name: 'response_body', type: 'text', nullable: true })
  responseBody: string | null;
}
