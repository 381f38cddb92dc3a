import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Units of one metric one member used for a billable in one period: who used what (attribution, not a limit). */
@Entity('payments_member_usage')
@Index(['billableId', 'metric', 'periodStart', 'memberId'], { unique: true })
export class MemberUsageEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'billable_id', type: String, length: 64 })
  billableId: string;

  @Column({ type: String, length: 64 })
  metric: string;

  @Column({ name: 'period_start', type: Date })
  periodStart: Date;

  @Column({ name: 'member_id', type: String, length: 64 })
  memberId: string;

  @Column({ type: 'int', default: 0 })
  used: number;
}
