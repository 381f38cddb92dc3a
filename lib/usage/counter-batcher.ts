import { outsideQueueRun } from '../persistence/connection-share';

/** Runs one conditional increment of a counter: true when it was applied. */
export type IncrementFn = (counterId: number, quantity: number, limit: number) => Promise<boolean>;

interface Pending {
  quantity: number;
  limit: number;
  resolve(applied: boolean): void;
  reject(error: unknown): void;
}

/** How the batcher gathers a batch. */
export interface CounterBatcherOptions {
  /**
   * Wait one event-loop turn before each update. For synchronous drivers (better-sqlite3): their
   * write blocks the loop, so the requests that arrived meanwhile are still unread when it ends;
   * without the wait each would pay its own write (one journal sync per request).
   */
  gather?: boolean;
}

interface Lane {
  queue: Pending[];
  running: boolean;
}

/**
 * Coalesces the increments one instance makes to one counter row. A hot counter is a single row,
 * so its updates serialise on the row lock and each waits for the previous commit; instead, while
 * one update is in flight the next requests queue, and the queue goes as ONE conditional update of
 * their sum. If the sum does not fit, each request is tried alone, in arrival order, so the answer
 * is exactly what separate updates would give. No timers: an idle counter is updated at once (after
 * one `setImmediate` turn with `gather`).
 */
export class CounterBatcher {
  private readonly lanes = new Map<number, Lane>();

  constructor(
    private readonly apply: IncrementFn,
    private readonly options: CounterBatcherOptions = {},
  ) {}

  /** Adds `quantity` to the counter when `used + quantity <= limit` (always with limit -1). */
  increment(counterId: number, quantity: number, limit: number): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let lane = this.lanes.get(counterId);
      if (!lane) {
        lane = { queue: [], running: false };
        this.lanes.set(counterId, lane);
      }
      lane.queue.push({ quantity, limit, resolve, reject });
      if (!lane.running) outsideQueueRun(() => void this.drain(counterId, lane!));
    });
  }

  private async drain(counterId: number, lane: Lane): Promise<void> {
    lane.running = true;
    while (lane.queue.length > 0) {
      if (this.options.gather) await new Promise<void>((resolve) => setImmediate(resolve));
      await this.flush(counterId, lane.queue.splice(0));
    }
    lane.running = false;
    if (this.lanes.get(counterId) === lane) this.lanes.delete(counterId);
  }

  private async flush(counterId: number, batch: Pending[]): Promise<void> {
    let next = 0;
    try {
      const limit = batch[0].limit;
      // Requests read their limit from the plan at arrival: only a batch with one limit is summed.
      if (batch.length > 1 && batch.every((p) => p.limit === limit)) {
        const total = batch.reduce((sum, p) => sum + p.quantity, 0);
        if (Number.isSafeInteger(total) && (await this.apply(counterId, total, limit))) {
          batch.forEach((p) => p.resolve(true));
          return;
        }
      }
      for (; next < batch.length; next++) {
        const pending = batch[next];
        pending.resolve(await this.apply(counterId, pending.quantity, pending.limit));
      }
    } catch (error) {
      for (; next < batch.length; next++) batch[next].reject(error);
    }
  }
}
