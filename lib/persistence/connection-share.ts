import { AsyncLocalStorage } from 'node:async_hooks';

/** Set while a queue worker runs a handler: the database work inside takes from the queue's share of the pool. */
export const queueRun = new AsyncLocalStorage<true>();

/**
 * The connections the queue's runs may hold at once. A backlog drained with a slow Stripe runs many
 * handlers at once (they wait on Stripe with no connection held), and their transactions then came
 * back together and took the whole pool, so the app's own requests on the instance waited for a
 * connection. Work outside a queue run never waits here.
 */
export class ConnectionShare {
  private held = 0;
  private readonly waiting: (() => void)[] = [];
  /** Set inside a slot: work nested in it (an app handler calling a module write) must not wait for a second one. */
  private readonly inSlot = new AsyncLocalStorage<true>();

  constructor(readonly size: number) {}

  /** Runs `work` in a slot of the share when called inside a queue run, else at once. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (!queueRun.getStore() || this.inSlot.getStore()) return work();
    if (this.held >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held++;
    try {
      return await this.inSlot.run(true, work);
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so a newcomer cannot take it in between.
      if (next) next();
      else this.held--;
    }
  }
}

/**
 * Starts background work (a batching loop) outside any queue run: the loop serves whoever submits
 * next, requests included, so it must not take the queue's share from the run that started it.
 */
export function outsideQueueRun(start: () => void): void {
  queueRun.exit(start);
}

/** The pool size TypeORM gives a DataSource: `poolSize`, the driver's `extra.max` / `connectionLimit`, else its default (10). */
export function poolSizeOf(options: { poolSize?: number; extra?: { max?: number; connectionLimit?: number } }): number {
  return options.poolSize ?? options.extra?.max ?? options.extra?.connectionLimit ?? 10;
}
