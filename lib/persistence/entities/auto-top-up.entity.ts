import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The auto top-up of one billable and metric: at most one purchase in flight, claimed by a conditional update. */
@Entity('payments_auto_topups')
export class AutoTopUpEntity {
  @PrimaryColumn({ name: 'billable_id', type: String, length: 64 })
  billableId: string;

  @PrimaryColumn({ type: String, length: 64 })
  metric: string;

  /** 'idle', or 'pending' while a purchase is in flight. */
  @Column({ type: String, length: 16 })
  status: string;

  /** Increased by each claim; part of the purchase's idempotency key. */
  @Column({ type: 'int', default: 0 })
  attempt: number;

  /** When the row last changed: a 'pending' row older than the lease is claimed again (its instance died). */
  @Column({ name: 'updated_at', type: Date })
  updatedAt: Date;
}
