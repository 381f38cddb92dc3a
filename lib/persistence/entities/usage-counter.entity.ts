import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Units used by one billable for one metric in one period; updated only by conditional increments. */
@Entity('payments_usage_counters')
@Index(['billableId', 'metric', 'periodStart'], { unique: true })
export class UsageCounterEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'billable_id', type: String, length: 64 })
  billableId: string;

  @Column({ type: String, length: 64 })
  metric: string;

  @Column({ name: 'period_start', type: Date })
  periodStart: Date;

  @Column({ name: 'period_end', type: Date })
  periodEnd: Date;

  /** Reserved and committed units (a reservation is released on failure). */
  @Column({ type: 'int', default: 0 })
  used: number;
}
