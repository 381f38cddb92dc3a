import { Logger } from '@nestjs/common';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { queueRun } from '../persistence/connection-share';
import type { PaymentsTx } from '../persistence/payments-transactions';
import { describeError } from '../common/describe-error';
import type { WorkHandler, WorkResult } from './work-queue.contract';
import { ClaimedRow, WorkItemStore } from './work-item.store';

/** Attempts of a handler that does not say. */
export const DEFAULT_MAX_ATTEMPTS = 8;

/** What became of one run. */
export type RunOutcome =
  | { state: 'done' }
  | { state: 'retry'; at: Date }
  | { state: 'failed' }
  /** Another claim holds the item now (this one's lease expired), or the database did not answer. */
  | { state: 'lost' };

/** Delay before retry `attempt` (1 = after the first failure): doubling from `baseMs`, capped, with jitter in [½, 1]. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  // Jitter spreads a burst of failures (Stripe down for a minute) so the retries do not arrive together.
  return Math.max(1, Math.round(ceiling * (0.5 + random() / 2)));
}

/**
 * Runs one claimed item: keeps its lease alive while the handler works (no transaction is open
 * meanwhile), then records the result, guarded by the claim's token so a claim that lost its
 * lease never overwrites the claim that took over.
 */
export class WorkRunner {
  private readonly logger = new Logger('Payments:Queue');

  constructor(
    private readonly store: WorkItemStore,
    private readonly options: ResolvedPaymentsOptions['queue'],
  ) {}

  /** Runs the item; `abandoned()` true stops the heartbeat (shutdown released the item). */
  async run(handler: WorkHandler, row: ClaimedRow, token: string, abandoned: () => boolean = () => false): Promise<RunOutcome> {
    const maxAttempts = handler.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (row.attempts > maxAttempts) {
      // Each earlier run died with its worker (a crash the item itself may cause): stop here.
      const reason = `Error: ${row.attempts - 1} runs ended without a result (their workers died); not run again`;
      const held = await this.store.fail(row.id, token, reason).catch(() => false);
      if (held) this.logger.error(`Work item ${row.kind}/${row.key} stays failed: ${reason}.`);
      return held ? { state: 'failed' } : { state: 'lost' };
    }
    const { leaseMs } = this.options;
    let lost = false;
    // Set when the handler writes the item's completion in its own transaction: a renewal that then
    // finds the item no longer held is that completion, not a takeover.
    let finishing = false;
    const heartbeat = setInterval(() => {
      if (abandoned()) {
        clearInterval(heartbeat);
        return;
      }
      this.store.renew(row.id, token, leaseMs).then(
        (held) => {
          if (!held && !lost && !finishing) {
            lost = true;
            this.logger.warn(`Work item ${row.kind}/${row.key} was taken over by another worker (its lease expired); this run's result will not be recorded.`);
          }
        },
        // The next beat tries again; if the database stays away the lease expires, as it should.
        () => undefined,
      );
    }, Math.max(100, Math.floor(leaseMs / 3)));
    heartbeat.unref();
    let result: WorkResult | undefined;
    let failure: unknown;
    // Set once the handler's transaction that finished the item committed: true, or false when this claim had lost it.
    let finished: boolean | undefined;
    const finishIn = async (tx: PaymentsTx) => {
      finishing = true;
      const held = await this.store.completeIn(tx.manager, row.id, token);
      tx.afterCommit(() => (finished = held));
    };
    try {
      const payload = JSON.parse(row.payload) as unknown;
      const item = { id: row.id, kind: row.kind, key: row.key, payload, attempt: row.attempts, ...(this.store.completesInTransactions ? { finishIn } : {}) };
      result = await queueRun.run(true, () => handler.run(item));
      if (result !== 'done' && !(result && result.retryAt instanceof Date && !Number.isNaN(result.retryAt.getTime()))) {
        failure = new Error(`the handler of '${row.kind}' returned ${JSON.stringify(result)}; return 'done' or { retryAt: Date }`);
      }
    } catch (error) {
      failure = error ?? new Error('undefined thrown');
    } finally {
      clearInterval(heartbeat);
    }
    if (finished !== undefined) return finished ? { state: 'done' } : { state: 'lost' };
    if (abandoned()) return { state: 'lost' };
    try {
      return await this.record(handler, row, token, result, failure);
    } catch (error) {
      this.logger.warn(`Could not record the result of work item ${row.kind}/${row.key} (${(error as Error)?.name ?? 'Error'}); it runs again once its lease expires.`);
      return { state: 'lost' };
    }
  }

  private async record(handler: WorkHandler, row: ClaimedRow, token: string, result: WorkResult | undefined, failure: unknown): Promise<RunOutcome> {
    if (failure === undefined && result === 'done') {
      return (await this.store.complete(row.id, token)) ? { state: 'done' } : { state: 'lost' };
    }
    if (failure === undefined && result && result !== 'done') {
      const held = await this.store.reschedule(row.id, token, result.retryAt, null, true);
      return held ? { state: 'retry', at: result.retryAt } : { state: 'lost' };
    }
    const message = describeError(failure);
    const maxAttempts = handler.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (row.attempts >= maxAttempts) {
      const held = await this.store.fail(row.id, token, message);
      if (held) this.logger.error(`Work item ${row.kind}/${row.key} failed after ${row.attempts} attempts and stays failed (queue:failed, queue:retry): ${message}`);
      return held ? { state: 'failed' } : { state: 'lost' };
    }
    const delay = backoffMs(row.attempts, this.options.retryBaseMs, this.options.retryMaxMs);
    const at = new Date(Date.now() + delay);
    const held = await this.store.reschedule(row.id, token, at, message, false);
    if (held) this.logger.warn(`Work item ${row.kind}/${row.key} failed (attempt ${row.attempts} of ${maxAttempts}); retrying in ${delay} ms: ${message}`);
    return held ? { state: 'retry', at } : { state: 'lost' };
  }
}
