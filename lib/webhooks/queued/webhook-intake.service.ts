import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { GroupCommit } from '../../persistence/group-commit';
import { isLockConflict } from '../../persistence/lock-conflict';
import { PaymentsTransactions } from '../../persistence/payments-transactions';
import { WorkQueue } from '../../queue/work-queue.service';
import { WebhookInbox } from '../inbox/webhook-inbox.service';
import { ThinEventPayload } from '../thin/thin-event.types';
import { DeliveryOutcome } from '../webhook-processor.service';
import { WEBHOOK_WORK_KIND, webhookOrderKey, webhookWorkPayload, WebhookWorkPayload } from './webhook-work-item';

/** Tries of one acknowledgement when the database breaks a lock cycle. */
const MAX_ATTEMPTS = 3;
/** Events one acknowledgement batch writes at most. */
const MAX_BATCH = 100;

/** A verified event on its way to the inbox, with what its work item will hold. */
interface Intake {
  event: Stripe.Event;
  payload: WebhookWorkPayload;
  orderKey: string | undefined;
}

/** What a batch did with one event: queued it, or found its id in the inbox already (see `commitAlone`). */
type Written = 'queued' | 'known';

/**
 * Queued mode's side of the webhook route: commits a verified event (its inbox row and its queue
 * item) and returns; the queue's workers process it. Only a commit leads to a 2xx, so an
 * acknowledged event is never lost. Deliveries that arrive together are committed together (group
 * commit): on PostgreSQL a batch is one statement, elsewhere one transaction, so a burst costs one
 * commit per batch rather than per event.
 */
@Injectable()
export class WebhookIntake {
  private readonly mysql: boolean;
  private readonly batches: GroupCommit<Intake, Written>;

  constructor(
    private readonly inbox: WebhookInbox,
    private readonly transactions: PaymentsTransactions,
    private readonly queue: WorkQueue,
  ) {
    this.mysql = ['mysql', 'mariadb'].includes(transactions.dataSource.options.type);
    const sqlite = transactions.isSqlite;
    this.batches = new GroupCommit((batch) => this.writeBatch(batch), { maxBatch: MAX_BATCH, concurrency: sqlite ? 1 : 2, gather: sqlite });
  }

  /**
   * `queued` when this delivery committed the event for the workers, `duplicate` when it was already
   * known. A thin notification comes with `event`, its envelope (id, type, related object's id), and
   * is queued as the notification itself: the worker fetches its object.
   */
  async accept(event: Stripe.Event, thin?: ThinEventPayload): Promise<DeliveryOutcome> {
    const intake: Intake = { event, payload: thin ? { thin } : webhookWorkPayload(event, this.mysql), orderKey: webhookOrderKey(event) };
    let written: Written | 'failed';
    try {
      written = await this.batches.submit(intake);
    } catch {
      // The batch wrote nothing (one statement or one transaction): each of its events is tried
      // alone, so an event the database refuses fails only its own delivery.
      written = 'failed';
    }
    if (written === 'queued') return 'queued';
    return this.commitAlone(intake, written === 'known');
  }

  /** One batch: which of its events were queued, and which the inbox knew already. */
  private async writeBatch(batch: Intake[]): Promise<Written[]> {
    // The same event twice in one batch (two deliveries at once): written once, the other is known.
    const first = new Map<string, Intake>();
    for (const intake of batch) if (!first.has(intake.event.id)) first.set(intake.event.id, intake);
    const distinct = [...first.values()];
    const queued = this.queue.oneStatementEnqueue ? await this.writeOneStatement(distinct) : await this.writeOneTransaction(distinct);
    return batch.map((intake) => (first.get(intake.event.id) === intake && queued.has(intake.event.id) ? 'queued' : 'known'));
  }

  /** PostgreSQL: the inbox rows and the work items of the events they inserted, one statement. */
  private writeOneStatement(batch: Intake[]): Promise<Set<string>> {
    const insert = this.inbox.insertQueuedManyStatement(this.transactions.dataSource.manager, batch.map((intake) => intake.event));
    const items = batch.map((intake) => ({ key: intake.event.id, payload: intake.payload, orderKey: intake.orderKey }));
    return this.queue.enqueueManyAfterInsert(insert, WEBHOOK_WORK_KIND, items);
  }

  /**
   * SQLite and MySQL/MariaDB: one transaction. SQLite has one writer, so for a batch one read finds
   * the events the inbox knows and one insert adds the rest; otherwise (MySQL/MariaDB, where other
   * instances insert too, or a lone event) each is inserted unless known, which tells which are new.
   * Then one insert of their work items.
   */
  private writeOneTransaction(batch: Intake[]): Promise<Set<string>> {
    const now = new Date();
    return this.transactions.run(async (tx) => {
      const events = batch.map((intake) => intake.event);
      let inserted: Set<string>;
      if (this.transactions.isSqlite && events.length > 1) inserted = await this.inbox.insertQueuedUnknown(tx, events, now);
      else {
        inserted = new Set<string>();
        for (const event of events) if (await this.inbox.insertQueued(tx, event, now)) inserted.add(event.id);
      }
      const items = batch.filter((intake) => inserted.has(intake.event.id)).map((intake) => ({ key: intake.event.id, payload: intake.payload, orderKey: intake.orderKey }));
      await this.queue.enqueueMany(tx, WEBHOOK_WORK_KIND, items);
      return inserted;
    });
  }

  /**
   * One event on its own, with tries on a lock conflict: after a failed batch, or for an event the
   * inbox knew (`known`: a redelivery, queued again only if nothing will run it by itself).
   */
  private async commitAlone(intake: Intake, known: boolean): Promise<DeliveryOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.commit(intake, known, new Date());
      } catch (error) {
        // MariaDB/MySQL: three deliveries of one event at once deadlock on its duplicate key; the
        // victim's transaction applied nothing, and a rerun finds the event committed (duplicate).
        if (!isLockConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async commit({ event, payload, orderKey }: Intake, known: boolean, now: Date): Promise<DeliveryOutcome> {
    if (this.queue.oneStatementEnqueue && !known) {
      // PostgreSQL, a first delivery: the inbox row and its work item in one statement, no transaction.
      const insert = this.inbox.insertQueuedStatement(this.transactions.dataSource.manager, event, now);
      if (await this.queue.enqueueAfterInsert(insert, WEBHOOK_WORK_KIND, event.id, payload, { orderKey })) return 'queued';
    }
    return this.transactions.run(async (tx) => {
      // A redelivery of an event that is queued, running or done changes nothing: no second run.
      if (!(await this.inbox.insertQueued(tx, event, now)) && !(await this.inbox.requeue(tx, event.id, now))) return 'duplicate' as const;
      await this.queue.enqueue(tx.manager, WEBHOOK_WORK_KIND, event.id, payload, { orderKey });
      return 'queued' as const;
    });
  }
}
