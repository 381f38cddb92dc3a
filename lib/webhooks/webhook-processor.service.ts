import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { PaymentsException } from '../common/payments.exception';
import { isDoneEventStatus } from '../persistence/entities/webhook-event.entity';
import { PaymentsTransactions, PaymentsTx } from '../persistence/payments-transactions';
import { WebhookHandlers } from './handlers/webhook-handlers.service';
import { WebhookInbox } from './inbox/webhook-inbox.service';
import { BuiltInEvents } from './sync/built-in-events.service';
import { fetchThenApply } from './sync/fetch-then-apply';

/** What became of one delivery (`queued`: committed for the queue's workers, in queued mode). */
export type DeliveryOutcome = 'processed' | 'ignored' | 'duplicate' | 'queued';

/** How a failed run is recorded: by a queue worker (`attempt` counted; `willRetry`: the queue runs it again). */
export interface RunOptions {
  /** `finishIn`: the queue item's completion, written in the transaction that applies the event. */
  worker?: { willRetry: boolean; finishIn?: (tx: PaymentsTx) => Promise<void> };
}

/** How long a duplicate delivery waits for the instance that holds the event before answering 409. */
const WAIT_FOR_HOLDER_MS = 5_000;
const POLL_MS = 25;

/**
 * One event through the pipeline: claim it in the inbox, re-fetch what it names from Stripe with
 * no transaction open, then in ONE transaction lock its inbox row, apply what was fetched (only if
 * newer than what is stored), run the app's handlers, and mark it processed. Only a commit counts;
 * any failure rolls everything back, records the error and rethrows (the caller answers 5xx).
 */
@Injectable()
export class WebhookProcessor {
  private readonly logger = new Logger('Payments:Webhooks');

  constructor(
    private readonly inbox: WebhookInbox,
    private readonly transactions: PaymentsTransactions,
    private readonly builtIn: BuiltInEvents,
    private readonly handlers: WebhookHandlers,
  ) {}

  /** Processes a verified event once; duplicates of a completed event do nothing. */
  async process(event: Stripe.Event): Promise<DeliveryOutcome> {
    const deadline = Date.now() + WAIT_FOR_HOLDER_MS;
    for (;;) {
      const claim = await this.inbox.claim(event);
      if (claim.claimed) return this.run(event);
      if (isDoneEventStatus(claim.status)) return 'duplicate';
      // Another delivery holds the event right now: its outcome is ours. Waiting (rather than a
      // quick non-2xx) keeps a burst of duplicates from costing Stripe retries.
      if (Date.now() >= deadline) {
        throw new PaymentsException(409, 'webhook_in_progress', 'This event is being processed; retry later.');
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** Runs a claimed event (also used by replays and by the queue's workers). */
  async run(event: Stripe.Event, options: RunOptions = {}): Promise<DeliveryOutcome> {
    try {
      const lookups = this.builtIn.lookups();
      const outcome = await fetchThenApply(
        // A slow Stripe then holds neither a connection nor the billable's row lock.
        () => this.builtIn.fetch(event),
        (fetched) =>
          this.transactions.run(async (tx) => {
            // The row lock makes this the only attempt in flight, even if a lease expired meanwhile.
            if (!(await this.inbox.lockPending(tx, event.id))) return 'duplicate' as const;
            const builtIn = await this.builtIn.apply(event, fetched, tx, lookups);
            await this.handlers.dispatchStripeEvent(event, { manager: tx.manager });
            const status = builtIn || this.handlers.handlesStripeEvent(event.type) ? 'processed' : 'ignored';
            await this.inbox.complete(tx, event.id, status);
            await options.worker?.finishIn?.(tx);
            return status;
          }),
      );
      if (outcome === 'ignored') this.logger.log(`Ignored ${event.type} ${event.id}: no built-in or app handler for this type.`);
      return outcome;
    } catch (error) {
      // The caller logs the failure once (the webhook route as the error of its 5xx, a replay as its result).
      await this.recordFailure(event.id, error, options);
      throw error;
    }
  }

  /**
   * Records a failed run in the inbox: `queued` again when the queue retries it, else `failed`
   * (events:failed). Also for a queued run that failed before the pipeline (reading its event).
   */
  async recordFailure(id: string, error: unknown, options: RunOptions = {}): Promise<void> {
    if (options.worker?.willRetry) await this.inbox.retrying(id, error);
    else await this.inbox.fail(id, error, !!options.worker);
  }
}
