import { Inject, Injectable, Optional } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { METERED_USAGE_SINK, MeteredUsageSink, MeteredUse } from '../metering/metered-usage.sink';
import { PaymentsException } from '../common/payments.exception';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { UsageCounterEntity } from '../persistence/entities/usage-counter.entity';
import { UsageRecordEntity } from '../persistence/entities/usage-record.entity';
import { isLockConflict } from '../persistence/lock-conflict';
import { PaymentsTransactions, PaymentsTx } from '../persistence/payments-transactions';
import { CounterBatcher } from './counter-batcher';
import { CreditsLedger, CreditSpend, CreditSplit } from './credits-ledger';
import { UsageCounters } from './usage-counters';
import { UsagePeriod } from './usage-period';
import { decodeReplayBody, encodeReplayBody, keyInUse, keyMismatch, UsageReplay } from './usage-replay';

/** Units held for one use; pass it back to `commit` or `release`. */
export interface UsageReservation {
  billableId: string;
  metric: string;
  quantity: number;
  counterId: number;
  /** The usage record (only with an idempotency key). */
  recordId: number | null;
  idempotencyKey: string | null;
  /** True when the key was already counted (a repeat): nothing was added, and commit/release do nothing. */
  duplicate: boolean;
  /** For a repeat: the first use's answer, to give again instead of doing the work twice. */
  replay: UsageReplay | null;
  periodStart: Date;
  periodEnd: Date;
  /** Units taken from purchased credit buckets (the rest came from the plan's allowance); empty when none. */
  credits?: CreditSpend[];
  /** The Stripe meter the units are billed through (metered plans), else null. */
  meter: string | null;
  /** When the units were counted. */
  countedAt: Date;
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
  /** Bill the units through this Stripe meter (written with the count, in one transaction). */
  meter?: string | null;
}

/** `reserve`'s answer: the reservation, or the units already used when the limit refuses it. */
export type ReserveOutcome = { admitted: true; reservation: UsageReservation } | { admitted: false; used: number };

/** What `commit` stores for a keyed use: the answer its repeats get. */
export interface UsageResponse {
  status: number;
  body: unknown;
}

/** The counters are 32-bit integer columns on every database. */
const MAX_QUANTITY = 2_147_483_647;
/** A keyed reservation found its key held by a request still running (or a row that just vanished). */
const BUSY: unique symbol = Symbol('busy');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Exact usage counting: one conditional `UPDATE ... SET used = used + q WHERE used + q <= limit`
 * per use, so concurrent requests on any number of instances can never pass the limit or lose an
 * increment. Without a key no record is written and a use costs one statement.
 *
 * Idempotency keys work as Stripe's own: a record row per (billable, metric, period, key), written
 * in the same transaction as the increment, holds the first answer. A repeat inside the window
 * counts nothing and gets that answer (`duplicate` + `replay`); a repeat while the first is still
 * running waits up to `inFlightWaitMs`, then 409 `idempotency_key_in_use`; another quantity is 422
 * `idempotency_key_mismatch`. A released (failed) key, or one past its window, counts as new.
 */
@Injectable()
export class UsageLedger {
  private readonly counters = new UsageCounters();
  private readonly batcher: CounterBatcher;
  /** Metered increments batch per (counter, meter) lane; each batch is one transaction with its meter write. */
  private readonly meteredBatcher: CounterBatcher;
  private readonly meteredLanes = new Map<string, number>();
  private readonly meteredLaneOf: { counterId: number; billableId: string; metric: string; meter: string; period: UsagePeriod }[] = [];

  constructor(
    /** @internal */ readonly transactions: PaymentsTransactions,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly credits: CreditsLedger,
    @Optional() @Inject(METERED_USAGE_SINK) private readonly sink?: MeteredUsageSink,
  ) {
    this.batcher = new CounterBatcher(
      (counterId, quantity, limit) => this.transactions.write((manager) => this.counters.increment(manager, counterId, quantity, limit)),
      // SQLite's driver writes synchronously: gather the requests that queued up behind each write.
      { gather: transactions.isSqlite },
    );
    this.meteredBatcher = new CounterBatcher(
      async (lane, quantity, limit) => {
        const use = this.meteredLaneOf[lane];
        const together = await this.sink?.countWithCounter?.(this.meteredUse(use, use.period, quantity), { counterId: use.counterId, limit });
        if (together !== undefined && together !== null) return together;
        return this.transactions.run(async ({ manager }) => {
          if (!(await this.counters.increment(manager, use.counterId, quantity, limit))) return false;
          await this.meter(manager, use, use.period, quantity);
          return true;
        });
      },
      { gather: transactions.isSqlite },
    );
  }

  /** Adds `quantity` units when the limit allows it; refuses without changing anything otherwise. */
  async reserve(request: ReserveRequest): Promise<ReserveOutcome> {
    assertQuantity(request.quantity);
    if (!Number.isSafeInteger(request.limit) || request.limit < -1) throw new RangeError(`UsageLedger: limit must be a whole number, -1 for unlimited; got ${String(request.limit)}.`);
    if (request.idempotencyKey) return this.reserveWithKey(request, request.idempotencyKey);
    const counterId = await this.transactions.write((manager) => this.counters.id(manager, request));
    if (await this.incrementUnkeyed(request, counterId)) {
      return { admitted: true, reservation: this.reservation(request, counterId, null, null) };
    }
    if (this.credits.sells(request.metric)) {
      // Past the allowance: the rest of it, then purchased credits, in one transaction.
      const split = await this.transactions.run(async (tx) => {
        const taken = await this.credits.spend(tx, counterId, request);
        if (taken && taken.allowance > 0) await this.meter(tx.manager, request, request.period, taken.allowance);
        return taken;
      });
      if (split) return { admitted: true, reservation: { ...this.reservation(request, counterId, null, null), credits: split.spends } };
    }
    const used = await this.counters.readUsed(this.transactions.dataSource.manager, counterId);
    if (used !== null) return { admitted: false, used };
    // The counter row vanished (purged by the app): forget it and count on a fresh one.
    this.counters.forget(request);
    const fresh = await this.transactions.write((manager) => this.counters.id(manager, request));
    if (await this.transactions.write((manager) => this.counters.increment(manager, fresh, request.quantity, request.limit))) {
      return { admitted: true, reservation: this.reservation(request, fresh, null, null) };
    }
    return { admitted: false, used: (await this.counters.readUsed(this.transactions.dataSource.manager, fresh)) ?? 0 };
  }

  /** Marks a keyed use as done (the handler succeeded), keeping `response` for its repeats. Unkeyed uses need nothing. */
  async commit(reservation: UsageReservation, response?: UsageResponse): Promise<void> {
    if (reservation.duplicate || reservation.recordId === null) return;
    const answer = response
      ? { responseStatus: response.status, responseBody: encodeReplayBody(response.body, this.options.usageIdempotency.maxStoredResponseBytes) }
      : {};
    await this.transactions.write((manager) =>
      manager
        .createQueryBuilder()
        .update(UsageRecordEntity)
        .set({ status: 'committed', ...answer })
        .where('id = :id AND status = :reserved', { id: reservation.recordId, reserved: 'reserved' })
        .execute(),
    );
  }

  /** Gives the units back (the handler failed). Releasing twice gives them back once. */
  async release(reservation: UsageReservation): Promise<void> {
    if (reservation.duplicate) return;
    assertQuantity(reservation.quantity);
    if (reservation.recordId === null) {
      const spends = reservation.credits ?? [];
      if (spends.length === 0 && (!reservation.meter || !this.sink)) {
        await this.transactions.write((manager) => this.counters.decrement(manager, reservation.counterId, reservation.quantity));
        return;
      }
      await this.transactions.run(async (tx) => {
        await this.returnUnits(tx.manager, reservation, spends);
      });
      return;
    }
    await this.transactions.run(async (tx) => {
      const flipped = await tx.manager
        .createQueryBuilder()
        .update(UsageRecordEntity)
        .set({ status: 'released' })
        .where('id = :id AND status <> :released', { id: reservation.recordId, released: 'released' })
        .execute();
      if (flipped.affected !== 1) return;
      await this.returnUnits(tx.manager, reservation, await this.credits.takeRecorded(tx.manager, reservation.recordId!));
    });
  }

  /** Releases the use recorded under an idempotency key; false when there is none to release. */
  async releaseByKey(billableId: string, metric: string, idempotencyKey: string, meter: string | null = null): Promise<boolean> {
    // Keys are scoped per period: the latest use of the key is the one to give back.
    const record = await this.transactions.dataSource
      .getRepository(UsageRecordEntity)
      .findOne({ where: { billableId, metric, idempotencyKey }, order: { periodStart: 'DESC' } });
    if (!record || record.status === 'released') return false;
    const counter = await this.transactions.dataSource
      .getRepository(UsageCounterEntity)
      .findOne({ where: { billableId, metric, periodStart: record.periodStart }, select: { id: true } });
    if (!counter) return false;
    await this.release({
      billableId, metric, quantity: record.quantity, counterId: counter.id, recordId: record.id, idempotencyKey,
      duplicate: false, replay: null, periodStart: record.periodStart, periodEnd: record.periodStart, meter, countedAt: record.createdAt,
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

  /** Takes `quantity` units off a counter (never below 0); false when fewer were counted. No record, no key. */
  async giveBack(request: { billableId: string; metric: string; period: UsagePeriod }, quantity: number): Promise<boolean> {
    assertQuantity(quantity);
    const counterId = await this.transactions.write((manager) => this.counters.id(manager, request));
    const result = await this.transactions.write((manager) =>
      manager
        .createQueryBuilder()
        .update(UsageCounterEntity)
        .set({ used: () => 'used - :quantity' })
        .where('id = :id AND used >= :quantity', { id: counterId, quantity })
        .execute(),
    );
    return result.affected === 1;
  }

  /** Units used of one metric in a period. */
  async used(billableId: string, metric: string, periodStart: Date): Promise<number> {
    const row = await this.transactions.dataSource
      .getRepository(UsageCounterEntity)
      .findOne({ where: { billableId, metric, periodStart }, select: { used: true } });
    return row ? Number(row.used) : 0;
  }

  /** A keyed use: polls while another request holds the key, up to `inFlightWaitMs`. */
  private async reserveWithKey(request: ReserveRequest, key: string): Promise<ReserveOutcome> {
    const deadline = Date.now() + this.options.usageIdempotency.inFlightWaitMs;
    for (let pause = 10; ; pause = Math.min(pause * 2, 100)) {
      let outcome: ReserveOutcome | typeof BUSY | null;
      try {
        // Repeats are answered from a plain read, so waiters take no lock the first request's commit would wait on.
        outcome = await this.answerRepeat(request, key);
        outcome ??= await this.transactions.run((tx) => this.reserveKeyed(tx, request, key));
      } catch (error) {
        // Repeats of one key racing on MySQL/MariaDB can deadlock; the victim applied nothing.
        if (!isLockConflict(error)) throw error;
        outcome = BUSY;
      }
      if (outcome !== BUSY) return outcome;
      const left = deadline - Date.now();
      if (left <= 0) throw keyInUse();
      await sleep(Math.min(pause, left));
    }
  }

  private async reserveKeyed(tx: PaymentsTx, request: ReserveRequest, key: string): Promise<ReserveOutcome | typeof BUSY> {
    const { manager } = tx;
    const now = this.options.now();
    const counterId = await this.counters.id(manager, request, tx);
    const where = { billableId: request.billableId, metric: request.metric, periodStart: request.period.start, idempotencyKey: key };
    const insert = manager
      .createQueryBuilder()
      .insert()
      .into(UsageRecordEntity)
      .values({ ...where, quantity: request.quantity, status: 'reserved', createdAt: now, reportedAt: null, responseStatus: null, responseBody: null })
      .orIgnore()
      .updateEntity(false);
    const [sql, parameters] = insert.getQueryAndParameters();
    // A structured result gives the affected rows on every driver; 0 means the key is already there.
    const inserted = await manager.queryRunner!.query(sql, parameters, true);
    if (inserted.affected === 1) {
      const recordId = (await manager.getRepository(UsageRecordEntity).findOneOrFail({ where, select: { id: true } })).id;
      const split = await this.take(tx, counterId, request, recordId);
      if (split) {
        return { admitted: true, reservation: { ...this.reservation(request, counterId, recordId, null), credits: split.spends } };
      }
      // Refused: leave no trace of the key, so the client's retry after the reset is counted.
      await manager.createQueryBuilder().delete().from(UsageRecordEntity).where('id = :id', { id: recordId }).execute();
      return { admitted: false, used: (await this.counters.readUsed(manager, counterId)) ?? 0 };
    }
    // The unique index made us wait for a concurrent holder of the key to commit.
    const existing = await manager.getRepository(UsageRecordEntity).findOne({ where, ...tx.forUpdate });
    if (!existing) return BUSY; // its holder was refused and removed it: try again
    const repeat = this.repeatOutcome(request, existing, counterId, now);
    if (repeat) return repeat;
    // A retry of a use that failed, or a key past its window: a new use, counted like one. The old
    // use's spends are forgotten (spent for good), so a release of the new one gives back only its own.
    if (this.credits.sells(request.metric)) await this.credits.takeRecorded(manager, existing.id);
    const split = await this.take(tx, counterId, request, existing.id);
    if (!split) {
      return { admitted: false, used: (await this.counters.readUsed(manager, counterId)) ?? 0 };
    }
    await manager
      .createQueryBuilder()
      .update(UsageRecordEntity)
      .set({ status: 'reserved', quantity: request.quantity, createdAt: now, reportedAt: null, responseStatus: null, responseBody: null })
      .where('id = :id', { id: existing.id })
      .execute();
    return { admitted: true, reservation: { ...this.reservation(request, counterId, existing.id, null), credits: split.spends } };
  }

  /** A keyed use's units: from the allowance alone when it fits, else split with purchased credits (recorded against the key). */
  private async take(tx: PaymentsTx, counterId: number, request: ReserveRequest, recordId: number): Promise<CreditSplit | null> {
    let split: CreditSplit | null = null;
    if (await this.counters.increment(tx.manager, counterId, request.quantity, request.limit)) split = { allowance: request.quantity, spends: [] };
    else if (this.credits.sells(request.metric)) {
      split = await this.credits.spend(tx, counterId, request);
      if (split) await this.credits.record(tx.manager, recordId, split.spends);
    }
    // Only units of the plan's allowance are billed through a meter; purchased credits were paid for already.
    if (split && split.allowance > 0) await this.meter(tx.manager, request, request.period, split.allowance);
    return split;
  }

  /** Gives a use's units back: its allowance part to the counter (and its meter), its credits to their buckets. */
  private async returnUnits(manager: EntityManager, reservation: UsageReservation, spends: CreditSpend[]): Promise<void> {
    const fromAllowance = reservation.quantity - spends.reduce((sum, s) => sum + s.quantity, 0);
    if (fromAllowance > 0 && (await this.counters.decrement(manager, reservation.counterId, fromAllowance))) {
      await this.meter(manager, reservation, periodOf(reservation), -fromAllowance, reservation.countedAt);
    }
    if (spends.length > 0) await this.credits.restore(manager, spends);
  }

  /** The answer to a repeat of a live key, from a lock-free read; null when the key must be (re)counted. */
  private async answerRepeat(request: ReserveRequest, key: string): Promise<ReserveOutcome | typeof BUSY | null> {
    const existing = await this.transactions.dataSource.getRepository(UsageRecordEntity).findOne({
      where: { billableId: request.billableId, metric: request.metric, periodStart: request.period.start, idempotencyKey: key },
    });
    if (!existing) return null;
    const counterId = this.counters.cachedId(request);
    if (counterId === undefined) return null;
    return this.repeatOutcome(request, existing, counterId, this.options.now());
  }

  /** A live key (inside its window, not released): a replay, BUSY while its first use runs, or 422 for another quantity. */
  private repeatOutcome(request: ReserveRequest, existing: UsageRecordEntity, counterId: number, now: Date): ReserveOutcome | typeof BUSY | null {
    const expired = existing.createdAt.getTime() + this.options.usageIdempotency.windowSeconds * 1000 <= now.getTime();
    if (expired || existing.status === 'released') return null;
    if (existing.quantity !== request.quantity) throw keyMismatch(request.metric, existing.quantity);
    if (existing.status === 'reserved') return BUSY;
    return { admitted: true, reservation: this.reservation(request, counterId, existing.id, replayOf(existing)) };
  }

  /** A reservation; with `replay` it is a repeat of an earlier use (nothing was added). */
  private reservation(request: ReserveRequest, counterId: number, recordId: number | null, replay: UsageReplay | null): UsageReservation {
    return {
      billableId: request.billableId, metric: request.metric, quantity: request.quantity, counterId, recordId,
      idempotencyKey: request.idempotencyKey ?? null, duplicate: replay !== null, replay, periodStart: request.period.start, periodEnd: request.period.end,
      meter: request.meter ?? null, countedAt: this.options.now(),
    };
  }

  /** An unkeyed increment: batched per counter; metered ones per (counter, meter), each batch with its meter write. */
  private incrementUnkeyed(request: ReserveRequest, counterId: number): Promise<boolean> {
    if (!request.meter || !this.sink) return this.batcher.increment(counterId, request.quantity, request.limit);
    const laneKey = `${counterId}\u0000${request.meter}`;
    let lane = this.meteredLanes.get(laneKey);
    if (lane === undefined) {
      lane = this.meteredLaneOf.push({ counterId, billableId: request.billableId, metric: request.metric, meter: request.meter, period: request.period }) - 1;
      this.meteredLanes.set(laneKey, lane);
    }
    return this.meteredBatcher.increment(lane, request.quantity, request.limit);
  }

  /** Hands a metered change to the metering room, inside the caller's transaction. */
  private async meter(
    manager: EntityManager, use: { billableId: string; metric: string; meter?: string | null }, period: { start: Date; end: Date }, quantity: number, at?: Date,
  ): Promise<void> {
    if (!use.meter || !this.sink) return;
    await this.sink.counted(manager, this.meteredUse(use as { billableId: string; metric: string; meter: string }, period, quantity, at));
  }

  private meteredUse(use: { billableId: string; metric: string; meter: string }, period: { start: Date; end: Date }, quantity: number, at?: Date): MeteredUse {
    const { start, end } = period;
    return { billableId: use.billableId, metric: use.metric, meter: use.meter, quantity, at: at ?? this.options.now(), period: { start, end } };
  }
}

/** The ledger is exported: a quantity that is not a positive whole number (or does not fit the counter) never reaches SQL. */
function assertQuantity(quantity: number): void {
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
    throw new PaymentsException(400, 'invalid_request', `Usage quantity must be a whole number from 1 to ${MAX_QUANTITY}, not ${String(quantity)}.`);
  }
}

function replayOf(record: UsageRecordEntity): UsageReplay {
  const stored = record.responseBody !== null;
  return { status: record.responseStatus, stored, body: stored ? decodeReplayBody(record.responseBody as string) : undefined };
}

function periodOf(reservation: UsageReservation): { start: Date; end: Date } {
  return { start: reservation.periodStart, end: reservation.periodEnd };
}
