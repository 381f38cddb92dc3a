import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Length of the `id` column: a longer event id is refused (400) before any insert. */
export const WEBHOOK_EVENT_ID_LENGTH = 255;
/** Length of the `type` column: a longer event type is refused (400) before any insert. */
export const WEBHOOK_EVENT_TYPE_LENGTH = 128;

/**
 * Where an event is in the pipeline. Only `processed` (and `ignored`) blocks a redelivery;
 * `queued` (acknowledged, waiting for a queue worker) makes a redelivery a no-op too.
 */
export type WebhookEventStatus = 'queued' | 'processing' | 'processed' | 'failed' | 'ignored';

/** The statuses of an event that is done: a redelivery, a replay or a catch-up leaves it alone. */
export const DONE_EVENT_STATUSES: readonly WebhookEventStatus[] = ['processed', 'ignored'];

export function isDoneEventStatus(status: WebhookEventStatus | undefined): boolean {
  return status !== undefined && DONE_EVENT_STATUSES.includes(status);
}

/** The webhook inbox: one row per Stripe event id, whatever the number of deliveries. */
@Entity('payments_webhook_events')
export class WebhookEventEntity {
  /** Stripe's event id (`evt_...`): the dedupe key. */
  @PrimaryColumn({ type: String, length: WEBHOOK_EVENT_ID_LENGTH })
  id: string;

  @Column({ type: String, length: WEBHOOK_EVENT_TYPE_LENGTH })
  type: string;

  @Index()
  @Column({ type: String, length: 16 })
  status: WebhookEventStatus;

  /** Processing attempts so far, across deliveries and instances. */
  @Column({ type: 'int', default: 0 })
  attempts: number;

  /** The last failure, without Stripe internals or secrets. */
  @Column({ name: 'last_error', type: String, length: 1000, nullable: true })
  lastError: string | null;

  /** The Stripe object the event is about (`sub_...`, `in_...`). */
  @Column({ name: 'object_id', type: String, length: 255, nullable: true })
  objectId: string | null;

  @Column({ type: Boolean, default: false })
  livemode: boolean;

  /** Stripe's `created` for the event. */
  @Column({ name: 'stripe_created_at', type: Date })
  stripeCreatedAt: Date;

  @Column({ name: 'received_at', type: Date })
  receivedAt: Date;

  @Column({ name: 'processed_at', type: Date, nullable: true })
  processedAt: Date | null;

  /** An instance working on the event holds it until then; after, another may take over. */
  @Column({ name: 'locked_until', type: Date, nullable: true })
  lockedUntil: Date | null;
}
