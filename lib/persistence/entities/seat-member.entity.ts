import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A member holding one of a billable's seats; the unique pair makes assigning idempotent under races. */
@Entity('payments_seat_members')
@Index(['billableId', 'memberId'], { unique: true })
export class SeatMemberEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'billable_id', type: String, length: 64 })
  billableId: string;

  @Column({ name: 'member_id', type: String, length: 64 })
  memberId: string;

  @Column({ name: 'assigned_at', type: Date })
  assignedAt: Date;
}
