import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { SubscriptionMixin } from '../../lib';

/** The billable of a team app: the organisation pays. */
@Entity('organizations')
export class Organization extends SubscriptionMixin(class {}) {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: String, length: 200 })
  name: string;

  @Column({ type: String, length: 255, name: 'billing_email' })
  billingEmail: string;
}

/** A user of the app, belonging to one organisation with a role in it. */
@Entity('org_members')
export class OrgMember {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int', name: 'org_id' })
  orgId: number;

  @Column({ type: String, length: 20 })
  role: string;

  @Column({ type: String, length: 255 })
  email: string;
}
