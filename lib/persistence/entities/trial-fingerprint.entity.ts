import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Who had a trial first with a card or an e-mail (`trial.oncePerCard` / `trial.oncePerEmail`):
 * one row per fingerprint, written when a trial starts; the first billable keeps it.
 */
@Entity('payments_trial_fingerprints')
export class TrialFingerprintEntity {
  /** 'card' (Stripe's card fingerprint) or 'email' (SHA-256 of the normalised address). */
  @PrimaryColumn({ type: String, length: 8 })
  kind: string;

  @PrimaryColumn({ type: String, length: 64 })
  value: string;

  @Column({ name: 'billable_id', type: String, length: 64 })
  billableId: string;

  @Column({ name: 'stripe_subscription_id', type: String, length: 255, nullable: true })
  stripeSubscriptionId: string | null;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;
}
