import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Where a work item is: waiting (maybe until `runAfter`), held by a worker, finished, or given up on. */
export type WorkItemStatus = 'pending' | 'running' | 'done' | 'failed';

/** Length of `kind`: a handler's name such as 'webhook-event' or 'seat-sync'. */
export const WORK_KIND_LENGTH = 64;
/** Length of `key` and `orderKey`. */
export const WORK_KEY_LENGTH = 255;

/**
 * One unit of the shared work queue (lib/queue): unique per (kind, key), so enqueueing the same
 * work again coalesces into one run. Claimed with a short lease a running worker keeps renewing.
 */
@Entity('payments_work_items')
@Index(['kind', 'key'], { unique: true })
// The claim reads due pending items in (run_after, id) order; the order-key check probes one key's
// running items, or its pending items before an id. With `id` in both, each is one index range on PostgreSQL.
@Index(['status', 'runAfter', 'id'])
@Index(['orderKey', 'status', 'id'])
export class WorkItemEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: String, length: WORK_KIND_LENGTH })
  kind: string;

  // `key` is a reserved word in MySQL: the column has another name.
  @Column({ name: 'item_key', type: String, length: WORK_KEY_LENGTH })
  key: string;

  /** The handler's payload as JSON. */
  @Column({ type: 'text' })
  payload: string;

  @Column({ type: String, length: 16 })
  status: WorkItemStatus;

  /** Runs started since the item last became pending from done/failed (a killed run counts). */
  @Column({ type: 'int', default: 0 })
  attempts: number;

  // Milliseconds matter for leases and backoff; MySQL rounds a DATETIME without precision to the second.
  /** Not claimed before this time. */
  @Column({ name: 'run_after', type: Date, precision: 3 })
  runAfter: Date;

  /** A running item's lease: after it, another worker may take the item over. */
  @Column({ name: 'locked_until', type: Date, precision: 3, nullable: true })
  lockedUntil: Date | null;

  /** Which claim holds the lease (`<instance>#<claim>`), so only that claim may complete it. */
  @Column({ name: 'locked_by', type: String, length: 64, nullable: true })
  lockedBy: string | null;

  /** Items sharing it never run at once, and run in id order. */
  @Column({ name: 'order_key', type: String, length: WORK_KEY_LENGTH, nullable: true })
  orderKey: string | null;

  /** Enqueued again while running: runs once more after the current run. */
  @Column({ type: Boolean, default: false })
  rerun: boolean;

  /** The last failure, without Stripe internals or secrets. */
  @Column({ name: 'last_error', type: String, length: 1000, nullable: true })
  lastError: string | null;

  @Column({ name: 'created_at', type: Date, precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: Date, precision: 3 })
  updatedAt: Date;
}
