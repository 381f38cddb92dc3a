import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Where a window row is: counting (`open`), frozen for its report (`sealed`), sent, or refused for good. */
export type MeterWindowStatus = 'open' | 'sealed' | 'reported' | 'expired' | 'rejected';

/**
 * The units of one billable on one Stripe meter in one reporting window: the usage outbox in
 * aggregated form. Written in the usage transaction (an increment of `quantity`), frozen and sent
 * as ONE meter event by the `meter-report` queue item. Usage that arrives after its window was
 * sealed opens the next `seq` of the same window (its own event), so nothing is lost or sent twice.
 */
@Entity('payments_meter_windows')
@Index(['billableId', 'meter', 'windowStart', 'seq'], { unique: true })
@Index(['status'])
export class MeterWindowEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'billable_id', type: String, length: 64 })
  billableId: string;

  @Column({ type: String, length: 64 })
  metric: string;

  /** The meter's `event_name` at Stripe. */
  @Column({ type: String, length: 100 })
  meter: string;

  @Column({ name: 'window_start', type: Date })
  windowStart: Date;

  @Column({ name: 'window_end', type: Date })
  windowEnd: Date;

  /** 0 for the window's first report; +1 for each report of late usage. */
  @Column({ type: 'int', default: 0 })
  seq: number;

  /** Units counted in the window (net of releases). */
  @Column({ type: 'int', default: 0 })
  quantity: number;

  @Column({ type: String, length: 16 })
  status: MeterWindowStatus;

  /** The meter event's time, fixed when the row is sealed: every retry sends the same parameters. */
  @Column({ name: 'event_at', type: Date, nullable: true })
  eventAt: Date | null;

  @Column({ name: 'reported_at', type: Date, nullable: true })
  reportedAt: Date | null;

  /** Why the report was refused (no Stripe text): e.g. 'outside_backdating_limit', 'unknown_meter'. */
  @Column({ name: 'last_error', type: String, length: 255, nullable: true })
  lastError: string | null;
}
