import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { isLockConflict } from '../../persistence/lock-conflict';
import { PaymentsTransactions } from '../../persistence/payments-transactions';
import { WorkQueue } from '../../queue/work-queue.service';
import { WebhookInbox } from '../inbox/webhook-inbox.service';
import { ThinEventPayload } from '../thin/thin-event.types';
import { DeliveryOutcome } from '../webhook-processor.service';
import { WEBHOOK_WORK_KIND, webhookOrderKey, webhookWorkPayload, WebhookWorkPayload } from './webhook-work-item';

/** Tries of one acknowledgement when the database breaks a lock cycle. */
const MAX_ATTEMPTS = 3;

/**
 * Queued mode's side of the webhook route: commits a verified event (its inbox row and its queue
 * item: one statement on PostgreSQL, else one transaction of two) and returns; the queue's workers process it. Only a
 * commit leads to a 2xx, so an acknowledged event is never lost.
 */
@Injectable()
export class WebhookIntake {
  private readonly mysql: boolean;

  constructor(
    private readonly inbox: WebhookInbox,
    private readonly transactions: PaymentsTransactions,
    private readonly queue: WorkQueue,
  ) {
    this.mysql = ['mysql', 'mariadb'].includes(transactions.dataSource.options.type);
  }

  /**
   * `queued` when this delivery committed the event for the workers, `duplicate` when it was already
   * known. A thin notification comes with `event`, its envelope (id, type, related object's id), and
   * is queued as the notification itself: the worker fetches its object.
   */
  async accept(event: Stripe.Event, thin?: ThinEventPayload): Promise<DeliveryOutcome> {
    const payload: WebhookWorkPayload = thin ? { thin } : webhookWorkPayload(event, this.mysql);
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.commit(event, payload, new Date());
        if (outcome === 'queued') this.queue.wake(WEBHOOK_WORK_KIND);
        return outcome;
      } catch (error) {
        // MariaDB/MySQL: three deliveries of one event at once deadlock on its duplicate key; the
        // victim's transaction applied nothing, and a rerun finds the event committed (duplicate).
        if (!isLockConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async commit(event: Stripe.Event, payload: WebhookWorkPayload, now: Date): Promise<DeliveryOutcome> {
    if (this.queue.oneStatementEnqueue) {
      // PostgreSQL, a first delivery: the inbox row and its work item in one statement, no transaction.
      const insert = this.inbox.insertQueuedStatement(this.transactions.dataSource.manager, event, now);
      if (await this.queue.enqueueAfterInsert(insert, WEBHOOK_WORK_KIND, event.id, payload, { orderKey: webhookOrderKey(event) })) return 'queued';
    }
    return this.transactions.run(async (tx) => {
      // A redelivery of an event that is queued, running or done changes nothing: no second run.
      if (!(await this.inbox.insertQueued(tx, event, now)) && !(await this.inbox.requeue(tx, event.id, now))) return 'duplicate' as const;
      await this.queue.enqueue(tx.manager, WEBHOOK_WORK_KIND, event.id, payload, { orderKey: webhookOrderKey(event) });
      return 'queued' as const;
    });
  }
}
