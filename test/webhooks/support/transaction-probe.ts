import { AsyncLocalStorage } from 'node:async_hooks';
import type Stripe from 'stripe';
import type { DataSource, EntityManager } from 'typeorm';

/** A Stripe request the app's client sent, and whether the code that sent it was inside a transaction. */
export interface ProbedStripeCall {
  method: string;
  path: string;
  /** The transaction the calling code was running in (its number), or null. */
  insideTransaction: number | null;
}

/**
 * Records, on the app's own DataSource and Stripe client, every transaction and every Stripe
 * request, and which requests were sent by code running inside a transaction callback. The
 * transaction's async context (AsyncLocalStorage) follows the code that runs in it, so concurrent
 * work of other events (a Stripe call of one event while another event's transaction is open) is
 * told apart from a call made inside the transaction.
 */
export class TransactionProbe {
  readonly calls: ProbedStripeCall[] = [];
  transactions = 0;
  /** The number of the transaction the running code is inside, if any. */
  private readonly context = new AsyncLocalStorage<number>();
  private recording = false;

  constructor(dataSource: DataSource, stripe: Stripe) {
    const manager = dataSource.manager;
    const original = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
    // Wraps TypeORM's entry point (DataSource.transaction calls it too), whatever the isolation argument.
    (manager as unknown as { transaction: unknown }).transaction = (...args: unknown[]) => {
      const index = args.findIndex((arg) => typeof arg === 'function');
      const work = args[index] as (m: EntityManager) => Promise<unknown>;
      const id = ++this.transactions;
      const wrapped = [...args];
      wrapped[index] = (m: EntityManager) => this.context.run(id, () => work(m));
      return original(...wrapped);
    };
    stripe.on('request', (event: Stripe.RequestEvent) => {
      if (this.recording) this.calls.push({ method: event.method, path: event.path, insideTransaction: this.context.getStore() ?? null });
    });
  }

  /** Records from now on (calls before are ignored). */
  start(): void {
    this.recording = true;
  }

  /** The calls made from inside a transaction, as `METHOD /path (tx n)`. */
  violations(): string[] {
    return this.calls.filter((c) => c.insideTransaction !== null).map((c) => `${c.method} ${c.path} (tx ${c.insideTransaction})`);
  }

  /** The distinct `METHOD /path-prefix` of the recorded calls (ids cut), to show what was exercised. */
  kinds(): string[] {
    return [...new Set(this.calls.map((c) => `${c.method} ${c.path.replace(/\/(sub|cs|in|cus)_[^/?]*/g, '/:id').replace(/\?.*$/, '')}`))].sort();
  }
}
