import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A short claim on one billable for one purpose ('checkout', 'customer'), taken by a conditional
 * update and committed at once, so work that calls Stripe is serialized across instances without
 * a transaction or row lock held open while Stripe answers.
 */
@Entity('payments_billable_leases')
export class BillableLeaseEntity {
  @PrimaryColumn({ name: 'billable_id', type: String, length: 64 })
  billableId: string;

  @PrimaryColumn({ type: String, length: 32 })
  purpose: string;

  /** A random token of the request holding it; null when free. */
  @Column({ type: String, length: 64, nullable: true })
  holder: string | null;

  /** After this the claim counts as free: its holder died (or hung) mid-way. */
  // Milliseconds matter: MySQL rounds a DATETIME without precision up to the next second.
  @Column({ name: 'expires_at', type: Date, precision: 3 })
  expiresAt: Date;
}
