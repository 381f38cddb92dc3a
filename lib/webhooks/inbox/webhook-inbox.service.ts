import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { EntityManager, In, QueryFailedError } from 'typeorm';
import { DONE_EVENT_STATUSES, isDoneEventStatus, WebhookEventEntity, WebhookEventStatus } from '../../persistence/entities/webhook-event.entity';
import { PaymentsTransactions, PaymentsTx } from '../../persistence/payments-transactions';
import { describeError } from '../../common/describe-error';

/** What a delivery found in the inbox. */
export type ClaimResult = { claimed: true } | { claimed: false; status: WebhookEventStatus };

/** How long one instance may hold an event before another may take over (it crashed, say). */
export const WEBHOOK_LEASE_MS = 60_000;

/**
 * The event inbox: one row per Stripe event id. A delivery claims the row with a lease; only
 * `processed` and `ignored` rows block redeliveries, so a failed or abandoned event runs again.
 */
@Injectable()
export class WebhookInbox {
  private readonly logger = new Logger('Payments:Webhooks');

  constructor(private readonly transactions: PaymentsTransactions) {}

  /**
   * Inserts the event (unique id) or, when it exists, takes the lease with one conditional UPDATE:
   * not done yet and nobody holds a live lease. Exactly one concurrent caller wins.
   */
  async claim(event: Stripe.Event, now = new Date()): Promise<ClaimResult> {
    const until = new Date(now.getTime() + WEBHOOK_LEASE_MS);
    const inserted = await this.transactions.write((manager) => this.insert(manager, event, now, until));
    if (inserted) return { claimed: true };
    const taken = await this.transactions.write((manager) =>
      manager
        .createQueryBuilder()
        .update(WebhookEventEntity)
        .set({ status: 'processing', lockedUntil: until, attempts: () => 'attempts + 1' })
        .where('id = :id', { id: event.id })
        .andWhere('status NOT IN (:...done)', { done: DONE_EVENT_STATUSES })
        .andWhere('(locked_until IS NULL OR locked_until < :now)', { now })
        .execute(),
    );
    if (taken.affected === 1) return { claimed: true };
    const row = await this.find(event.id);
    return { claimed: false, status: row?.status ?? 'processing' };
  }

  /**
   * Queued mode's acknowledgement: inserts the event as `queued` inside the caller's transaction,
   * one statement that never aborts it (a known id is left alone); true when this call inserted it.
   */
  async insertQueued(tx: PaymentsTx, event: Stripe.Event, now = new Date()): Promise<boolean> {
    const [sql, parameters] = tx.manager
      .createQueryBuilder()
      .insert()
      .into(WebhookEventEntity)
      .values({ ...this.row(event, now), status: 'queued', attempts: 0, lockedUntil: null })
      .orIgnore()
      .getQueryAndParameters();
    const result = await tx.manager.queryRunner!.query(sql, parameters, true);
    return result.affected === 1;
  }

  /** PostgreSQL: `insertQueued` as an `INSERT ... ON CONFLICT DO NOTHING RETURNING id` statement and its parameters, to run inside another. */
  insertQueuedStatement(manager: EntityManager, event: Stripe.Event, now = new Date()): [string, unknown[]] {
    return manager
      .createQueryBuilder()
      .insert()
      .into(WebhookEventEntity)
      .values({ ...this.row(event, now), status: 'queued', attempts: 0, lockedUntil: null })
      .orIgnore()
      .returning(['id'])
      .updateEntity(false)
      .getQueryAndParameters() as [string, unknown[]];
  }

  /**
   * SQLite (one writer): inserts as `queued` those of `events` the inbox does not know, in the
   * caller's transaction, with one read and one insert; answers the ids it inserted.
   */
  async insertQueuedUnknown(tx: PaymentsTx, events: Stripe.Event[], now = new Date()): Promise<Set<string>> {
    const repository = tx.manager.getRepository(WebhookEventEntity);
    const known = await repository.find({ select: { id: true }, where: { id: In(events.map((event) => event.id)) } });
    const knownIds = new Set(known.map((row) => row.id));
    const unknown = events.filter((event) => !knownIds.has(event.id));
    if (unknown.length > 0) {
      await tx.manager
        .createQueryBuilder()
        .insert()
        .into(WebhookEventEntity)
        .values(unknown.map((event) => ({ ...this.row(event, now), status: 'queued' as const, attempts: 0, lockedUntil: null })))
        .updateEntity(false)
        .execute();
    }
    return new Set(unknown.map((event) => event.id));
  }

  /** PostgreSQL: `insertQueuedStatement` for many events at once (`RETURNING id` of those it inserted). */
  insertQueuedManyStatement(manager: EntityManager, events: Stripe.Event[], now = new Date()): [string, unknown[]] {
    return manager
      .createQueryBuilder()
      .insert()
      .into(WebhookEventEntity)
      .values(events.map((event) => ({ ...this.row(event, now), status: 'queued' as const, attempts: 0, lockedUntil: null })))
      .orIgnore()
      .returning(['id'])
      .updateEntity(false)
      .getQueryAndParameters() as [string, unknown[]];
  }

  /**
   * A redelivery of a known event in queued mode: only an event nothing will run again by itself
   * (failed after its retries, or abandoned by an inline delivery whose lease expired) goes back to
   * `queued`; true when it did, so the caller enqueues it again in the same transaction.
   */
  async requeue(tx: PaymentsTx, id: string, now = new Date()): Promise<boolean> {
    const result = await tx.manager
      .createQueryBuilder()
      .update(WebhookEventEntity)
      .set({ status: 'queued', lockedUntil: null })
      .where('id = :id', { id })
      .andWhere('(status = :failed OR (status = :processing AND locked_until < :now))', { failed: 'failed', processing: 'processing', now })
      .execute();
    return result.affected === 1;
  }

  /** A queued event's failed run that the queue will retry: the error is recorded, the event stays `queued`. */
  async retrying(id: string, error: unknown): Promise<void> {
    await this.record(id, 'queued', error, true);
  }

  /**
   * Inside the processing transaction, first: true when the event is still to be done, its row then
   * locked until the transaction ends. On PostgreSQL and MySQL/MariaDB one statement both locks and
   * marks it processed (readers outside the transaction see that only once it commits; `complete`
   * then only corrects an ignored event). On SQLite the module shares one connection, so any reader
   * would see an uncommitted `processed` at once: there the row is only read here (SQLite writes
   * one at a time, so nothing can complete it meanwhile) and `complete` writes the outcome last.
   */
  async lockPending(tx: PaymentsTx, id: string, now = new Date()): Promise<boolean> {
    if (this.transactions.isSqlite) {
      const row = await tx.manager.getRepository(WebhookEventEntity).findOne({ where: { id } });
      return !!row && !isDoneEventStatus(row.status);
    }
    const result = await tx.manager
      .createQueryBuilder()
      .update(WebhookEventEntity)
      .set(this.completion('processed', now))
      .where('id = :id', { id })
      .andWhere('status NOT IN (:...done)', { done: DONE_EVENT_STATUSES })
      .execute();
    return result.affected === 1;
  }

  /** Inside the processing transaction, last: records the outcome (see `lockPending`). */
  async complete(tx: PaymentsTx, id: string, status: 'processed' | 'ignored', now = new Date()): Promise<void> {
    if (!this.transactions.isSqlite && status === 'processed') return;
    await tx.manager.getRepository(WebhookEventEntity).update({ id }, this.completion(status, now));
  }

  private completion(status: 'processed' | 'ignored', now: Date) {
    return { status, processedAt: now, lockedUntil: null, lastError: null };
  }

  /**
   * After a rollback: records the error and releases the lease so Stripe's retry (or a replay) runs
   * it again. `countAttempt`: a queue worker's run (a delivery's claim counted it already).
   */
  async fail(id: string, error: unknown, countAttempt = false): Promise<void> {
    await this.record(id, 'failed', error, countAttempt);
  }

  private async record(id: string, status: 'failed' | 'queued', error: unknown, countAttempt: boolean): Promise<void> {
    try {
      await this.transactions.write((manager) =>
        manager
          .createQueryBuilder()
          .update(WebhookEventEntity)
          .set({ status, lockedUntil: null, lastError: describeError(error), ...(countAttempt ? { attempts: () => 'attempts + 1' } : {}) })
          .where('id = :id', { id })
          .andWhere('status NOT IN (:...done)', { done: DONE_EVENT_STATUSES })
          .execute(),
      );
    } catch (writeError) {
      // The database may be what failed; the lease then expires on its own.
      this.logger.warn(`Could not record the failure of ${id}: ${(writeError as Error)?.name}`);
    }
  }

  find(id: string, manager?: EntityManager): Promise<WebhookEventEntity | null> {
    return (manager ?? this.transactions.dataSource.manager).getRepository(WebhookEventEntity).findOne({ where: { id } });
  }

  /** Events acknowledged in queued mode and not yet processed (or failed). */
  countQueued(): Promise<number> {
    return this.transactions.dataSource.manager.getRepository(WebhookEventEntity).count({ where: { status: 'queued' } });
  }

  /** Events that failed (or were abandoned mid-way, lease expired), oldest first. */
  async failed(now = new Date()): Promise<WebhookEventEntity[]> {
    return this.transactions.dataSource.manager
      .getRepository(WebhookEventEntity)
      .createQueryBuilder('e')
      .where('e.status = :failed', { failed: 'failed' })
      .orWhere('(e.status = :processing AND e.locked_until < :now)', { processing: 'processing', now })
      .orderBy('e.received_at', 'ASC')
      .getMany();
  }

  private async insert(manager: EntityManager, event: Stripe.Event, now: Date, until: Date): Promise<boolean> {
    try {
      await manager.getRepository(WebhookEventEntity).insert({ ...this.row(event, now), status: 'processing', attempts: 1, lockedUntil: until });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  private row(event: Stripe.Event, now: Date): Omit<WebhookEventEntity, 'status' | 'attempts' | 'lockedUntil'> {
    const object = event.data?.object as { id?: unknown } | undefined;
    return {
      id: event.id,
      type: String(event.type).slice(0, 128),
      lastError: null,
      objectId: typeof object?.id === 'string' ? object.id.slice(0, 255) : null,
      livemode: event.livemode === true,
      stripeCreatedAt: new Date((Number(event.created) || 0) * 1000),
      receivedAt: now,
      processedAt: null,
    };
  }
}

/** A unique-key violation on PostgreSQL, MySQL/MariaDB or SQLite: the row is already there. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = (error as QueryFailedError & { driverError?: { code?: string; errno?: number } }).driverError;
  const code = driverError?.code ?? (error as { code?: string }).code;
  return code === '23505' || code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || driverError?.errno === 1062;
}
