import type { EntityManager } from 'typeorm';
import type { PaymentsTx } from '../persistence/payments-transactions';

/**
 * The one durable work queue (GUIDE §5): work that must reach Stripe (or leave it) exactly once —
 * webhook events, seat quantities, meter reports — is a row with a unique (kind, key), claimed by
 * any instance (`FOR UPDATE SKIP LOCKED` where the database has it, a lease where it does not),
 * retried with backoff, and visible to the health indicator and the CLI. A capability only says
 * what one item does, by registering a {@link WorkHandler}.
 *
 * This file is the contract the capabilities code against; `WorkQueue` implements it.
 */

/** One item as its handler sees it. */
export interface WorkItem<P = unknown> {
  id: string;
  kind: string;
  /** Unique within the kind, e.g. an event id, `sub_123`, `42:api_calls:2026-11-30T10`. */
  key: string;
  payload: P;
  /** 1 on the first run. */
  attempt: number;
  /**
   * Where the database allows it (not MariaDB): marks this run done inside the handler's last
   * transaction, so its writes and the item's completion commit together (one commit less). Call it
   * only in the transaction that finishes the work, then return 'done': once that commits, the run's
   * result is recorded, whatever the handler does after.
   */
  finishIn?(tx: PaymentsTx): Promise<void>;
}

/** What a run asks for next: done, or run again later (not an error: e.g. "Stripe asked us to slow down"). */
export type WorkResult = 'done' | { retryAt: Date };

/** What one kind of item does. Throwing counts as a failure: retried with backoff up to `maxAttempts`, then `failed`. */
export interface WorkHandler<P = unknown> {
  kind: string;
  /** Runs one item. Must be safe to run again after a crash (use Stripe idempotency keys / identifiers). */
  run(item: WorkItem<P>): Promise<WorkResult>;
  /** Default 8; after that the item stays `failed` for the CLI and the health indicator. */
  maxAttempts?: number;
}

export interface EnqueueOptions {
  /** Not before this time (coalescing window). Default now. */
  runAfter?: Date;
  /** Items sharing an order key never run at the same time, and run in enqueue order. */
  orderKey?: string;
  /**
   * A pending item keeps the earlier of its `runAfter` and this one (a coalescing window is not
   * pushed back by each change); true sets this one instead (debounce). Default false.
   */
  replaceRunAfter?: boolean;
}

export interface WorkQueueApi {
  /**
   * Inside the caller's transaction: makes sure (kind, key) runs after this commit, with `payload`.
   * A pending item with that key gets the new payload (changes coalesce into one run); a running
   * one runs once more after it finishes; a done or failed one becomes pending again.
   */
  enqueue<P>(manager: EntityManager, kind: string, key: string, payload: P, options?: EnqueueOptions): Promise<void>;
  /** Registers what a kind does (call from onModuleInit). */
  register(handler: WorkHandler): void;
  /** Wakes this instance's workers now (also done after an enqueue commits on this instance). */
  wake(kind?: string): void;
  /** Runs due items until none is left (tests, CLI `queue:drain`); returns how many ran. */
  drain(kind?: string): Promise<number>;
}
