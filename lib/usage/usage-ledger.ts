import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { UsageCounterEntity } from '../persistence/entities/usage-counter.entity';
import { UsageRecordEntity } from '../persistence/entities/usage-record.entity';
import { PaymentsTransactions, PaymentsTx } from '../persistence/payments-transactions';
import { CounterBatcher } from './counter-batcher';
import { UsagePeriod } from './usage-period';

/** Units held for one use; pass it back to `commit` or `release`. */
export interface UsageReservation {
  billableId: string;
  metric: string;
  quantity: number;
  counterId: number;
  /** The usage record (only with an idempotency key). */
  recordId: number | null;
  idempotencyKey: string | null;
  /** True when the key was already counted: nothing was added, and commit/release do nothing. */
  duplicate: boolean;
  periodStart: Date;
  periodEnd: Date;
}

/** What `reserve` asks for. */
export interface ReserveRequest {
  billableId: string;
  metric: string;
  quantity: number;
  /** The plan's limit for the period; -1 is unlimited (counted, never refused). */
  limit: number;
  period: UsagePeriod;
  idempotencyKey?: string | null;
}

/** `reserve`'s answer: the reservation, or the units already used when the limit refuses it. */
export type ReserveOutcome = { admitted: true; reservation: UsageReservation } | { admitted: false; used: number };

const MAX_CACHED_COUNTERS = 100_000;

/**
 * Exact usage counting: one conditional `UPDATE ... SET used = used + q WHERE used + q <= limit`
 * per use, so concurrent requests on any number of instances can never pass the limit or lose an
 * increment. Idempotency keys add a record row in the same transaction; its unique index makes a
 * retried key count once. Without a key no record is written and a use costs one statement.
 */
@Injectable()
export class UsageLedger {
  /** Counter row ids by billable, metric and period: they never change once created. */
  private readonly counterIds = new Map<string, number>();

  private readonly batcher: CounterBatcher;

  constructor(private readonly transactions: PaymentsTransactions) {
    this.batcher = new CounterBatcher(
      (counterId, quantity, limit) => this.transactions.write((manager) => this.increment(manager, counterId, quantity, limit)),
      // SQLite's driver writes synchronously: gather the requests that queued up behind each write.
      { gather: transactions.isSqlite },
    );
  }

  /** Adds `quantity` units when the limit allows it; refuses without changing anything otherwise. */
  async reserve(request: ReserveRequest): Promise<ReserveOutcome> {
    if (request.idempotencyKey) return this.transactions.run((tx) => this.reserveKeyed(tx, request, request.idempotencyKey!));
    const counterId = await this.transactions.write((manager) => this.counterId(manager, request));
    if (await this.batcher.increment(counterId, request.quantity, request.limit)) {
      return { admitted: true, reservation: this.reservation(request, counterId, null, false) };
    }
    const used = await this.readUsed(this.transactions.dataSource.manager, counterId);
    if (used !== null) return { admitted: false, used };
    // The counter row vanished (purged by the app): forget it and count on a fresh one.
    this.forgetCounter(request);
    const fresh = await this.transactions.write((manager) => this.counterId(manager, request));
    if (await this.transactions.write((manager) => this.increment(manager, fresh, request.quantity, request.limit))) {
      return { admitted: true, reservation: this.reservation(request, fresh, null, false) };
    }
    return { admitted: false, used: (await this.readUsed(this.transactions.dataSource.manager, fresh)) ?? 0 };
  }

  /** Marks a keyed use as done (the handler succeeded). Unkeyed uses need nothing. */
  async commit(reservation: UsageReservation): Promise<void> {
    if (reservation.duplicate || reservation.recordId === null) return;
    await this.transactions.write((manager) =>
      manager
        .createQueryBuilder()
        .update(UsageRecordEntity)
        .set({ status: 'committed' })
        .where('id = :id AND status = :reserved', { id: reservation.recordId, reserved: 'reserved' })
        .execute(),
    );
  }

  /** Gives the units back (the handler failed). Releasing twice gives them back once. */
  async release(reservation: UsageReservation): Promise<void> {
    if (reservation.duplicate) return;
    if (reservation.recordId === null) {
      await this.transactions.write((manager) => this.decrement(manager, reservation.counterId, reservation.quantity));
      return;
    }
    await this.transactions.run(async (tx) => {
      const flipped = await tx.manager
        .createQueryBuilder()
        .update(UsageRecordEntity)
        .set({ status: 'released' })
        .where('id = :id AND status <> :released', { id: reservation.recordId, released: 'released' })
        .execute();
      if (flipped.affected === 1) await this.decrement(tx.manager, reservation.counterId, reservation.quantity);
    });
  }

  /** Releases the use recorded under an idempotency key; false when there is none to release. */
  async releaseByKey(billableId: string, metric: string, idempotencyKey: string): Promise<boolean> {
    const record = await this.transactions.dataSource.getRepository(UsageRecordEntity).findOne({ where: { billableId, metric, idempotencyKey } });
    if (!record || record.status === 'released') return false;
    const counter = await this.transactions.dataSource
      .getRepository(UsageCounterEntity)
      .findOne({ where: { billableId, metric, periodStart: record.periodStart }, select: { id: true } });
    if (!counter) return false;
    await this.release({
      billableId, metric, quantity: record.quantity, counterId: counter.id, recordId: record.id, idempotencyKey,
      duplicate: false, periodStart: record.periodStart, periodEnd: record.periodStart,
    });
    return true;
  }

  /** Units used per metric in a period (metrics never used are absent). */
  async usedIn(billableId: string, periodStart: Date): Promise<Map<string, number>> {
    const rows = await this.transactions.dataSource
      .getRepository(UsageCounterEntity)
      .find({ where: { billableId, periodStart }, select: { metric: true, used: true } });
    return new Map(rows.map((row) => [row.metric, Number(row.used)]));
  }

  /** Units used of one metric in a period. */
  async used(billableId: string, metric: string, periodStart: Date): Promise<number> {
    const row = await this.transactions.dataSource
      .getRepository(UsageCounterEntity)
      .findOne({ where: { billableId, metric, periodStart }, select: { used: true } });
    return row ? Number(row.used) : 0;
  }

  private async reserveKeyed(tx: PaymentsTx, request: ReserveRequest, key: string): Promise<ReserveOutcome> {
    const { manager } = tx;
    const counterId = await this.counterId(manager, request, tx);
    const insert = manager
      .createQueryBuilder()
      .insert()
      .into(UsageRecordEntity)
      .values({
        billableId: request.billableId, metric: request.metric, idempotencyKey: key, quantity: request.quantity,
        periodStart: request.period.start, status: 'reserved', createdAt: new Date(), reportedAt: null,
      })
      .orIgnore()
      .updateEntity(false);
    const [sql, parameters] = insert.getQueryAndParameters();
    // A structured result gives the affected rows on every driver; 0 means the key is already there.
    const inserted = await manager.queryRunner!.query(sql, parameters, true);
    let recordId: number;
    let fresh = true;
    if (inserted.affected === 1) {
      recordId = await this.recordIdOf(manager, request, key);
    } else {
      // A concurrent holder of the key committed first (the unique index made us wait for it).
      const existing = await manager.getRepository(UsageRecordEntity).findOne({ where: { billableId: request.billableId, metric: request.metric, idempotencyKey: key }, ...tx.forUpdate });
      if (!existing) throw new Error('nestjs-headless-payments: usage record vanished during its reservation; retry the request.');
      if (existing.status !== 'released') return { admitted: true, reservation: this.reservation(request, counterId, existing.id, true) };
      // A retry of a use that failed earlier counts again, on the current period.
      await manager.createQueryBuilder().update(UsageRecordEntity)
        .set({ status: 'reserved', quantity: request.quantity, periodStart: request.period.start })
        .where('id = :id', { id: existing.id }).execute();
      recordId = existing.id;
      fresh = false;
    }
    if (await this.increment(manager, counterId, request.quantity, request.limit)) {
      return { admitted: true, reservation: this.reservation(request, counterId, recordId, false) };
    }
    // Refused: leave no trace of the key, so the client's retry after the reset is counted.
    if (fresh) await manager.createQueryBuilder().delete().from(UsageRecordEntity).where('id = :id', { id: recordId }).execute();
    else await manager.createQueryBuilder().update(UsageRecordEntity).set({ status: 'released' }).where('id = :id', { id: recordId }).execute();
    return { admitted: false, used: (await this.readUsed(manager, counterId)) ?? 0 };
  }

  /** One conditional increment: true when it fitted (or the limit is -1). */
  private async increment(manager: EntityManager, counterId: number, quantity: number, limit: number): Promise<boolean> {
    const update = manager.createQueryBuilder().update(UsageCounterEntity).set({ used: () => `used + ${quantity}` });
    const result =
      limit < 0
        ? await update.where('id = :id', { id: counterId }).execute()
        : await update.where('id = :id AND used + :quantity <= :limit', { id: counterId, quantity, limit }).execute();
    return result.affected === 1;
  }

  private async decrement(manager: EntityManager, counterId: number, quantity: number): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(UsageCounterEntity)
      .set({ used: () => `used - ${quantity}` })
      .where('id = :id AND used >= :quantity', { id: counterId, quantity })
      .execute();
  }

  private async readUsed(manager: EntityManager, counterId: number): Promise<number | null> {
    const row = await manager.getRepository(UsageCounterEntity).findOne({ where: { id: counterId }, select: { used: true } });
    return row ? Number(row.used) : null;
  }

  private async recordIdOf(manager: EntityManager, request: ReserveRequest, key: string): Promise<number> {
    const row = await manager.getRepository(UsageRecordEntity).findOneOrFail({
      where: { billableId: request.billableId, metric: request.metric, idempotencyKey: key },
      select: { id: true },
    });
    return row.id;
  }

  /** The counter row of (billable, metric, period), created when missing (insert-or-ignore: safe across instances). */
  private async counterId(manager: EntityManager, request: ReserveRequest, tx?: PaymentsTx): Promise<number> {
    const cacheKey = this.cacheKey(request);
    const cached = this.counterIds.get(cacheKey);
    if (cached !== undefined) return cached;
    const where = { billableId: request.billableId, metric: request.metric, periodStart: request.period.start };
    let row = await manager.getRepository(UsageCounterEntity).findOne({ where, select: { id: true } });
    if (!row) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(UsageCounterEntity)
        .values({ ...where, periodEnd: request.period.end, used: 0 })
        .orIgnore()
        .updateEntity(false)
        .execute();
      row = await manager.getRepository(UsageCounterEntity).findOneOrFail({ where, select: { id: true } });
    }
    const id = row.id;
    const remember = () => {
      if (this.counterIds.size >= MAX_CACHED_COUNTERS) this.counterIds.clear();
      this.counterIds.set(cacheKey, id);
    };
    // Inside a transaction the row may still roll back: remember it only once committed.
    if (tx) tx.afterCommit(remember);
    else remember();
    return id;
  }

  private forgetCounter(request: ReserveRequest): void {
    this.counterIds.delete(this.cacheKey(request));
  }

  private cacheKey(request: ReserveRequest): string {
    return `${request.billableId}\u0000${request.metric}\u0000${request.period.start.getTime()}`;
  }

  private reservation(request: ReserveRequest, counterId: number, recordId: number | null, duplicate: boolean): UsageReservation {
    return {
      billableId: request.billableId, metric: request.metric, quantity: request.quantity, counterId, recordId,
      idempotencyKey: request.idempotencyKey ?? null, duplicate, periodStart: request.period.start, periodEnd: request.period.end,
    };
  }
}
