import type { ResolvedPaymentsOptions } from '../payments.options';
import { UsageRecordEntity } from '../persistence/entities/usage-record.entity';
import { isLockConflict } from '../persistence/lock-conflict';
import type { PaymentsTransactions, PaymentsTx } from '../persistence/payments-transactions';
import type { CreditsLedger, CreditSplit } from './credits-ledger';
import type { UsageIncrements } from './usage-increments';
import { decodeReplayBody, keyInUse, keyMismatch, UsageReplay } from './usage-replay';
import { ReserveOutcome, ReserveRequest, reservationOf } from './usage-reservation';

/** A keyed reservation found its key held by a request still running (or a row that just vanished). */
const BUSY: unique symbol = Symbol('busy');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Uses with an idempotency key, as Stripe's own keys work: a record row per (billable, metric,
 * period, key), written in the same transaction as the increment, holds the first answer. A repeat
 * inside the window counts nothing and gets that answer (`duplicate` + `replay`); a repeat while the
 * first is still running waits up to `inFlightWaitMs`, then 409 `idempotency_key_in_use`; another
 * quantity is 422 `idempotency_key_mismatch`. A released (failed) key, or one past its window,
 * counts as new.
 */
export class KeyedUsage {
  constructor(
    private readonly transactions: PaymentsTransactions,
    private readonly options: ResolvedPaymentsOptions,
    private readonly increments: UsageIncrements,
    private readonly credits: CreditsLedger,
  ) {}

  /** A keyed use: polls while another request holds the key, up to `inFlightWaitMs`. */
  async reserve(request: ReserveRequest, key: string): Promise<ReserveOutcome> {
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
    const { counters } = this.increments;
    const now = this.options.now();
    const counterId = await counters.id(manager, request, tx);
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
        return { admitted: true, reservation: { ...reservationOf(request, counterId, recordId, null, this.options.now()), credits: split.spends } };
      }
      // Refused: leave no trace of the key, so the client's retry after the reset is counted.
      await manager.createQueryBuilder().delete().from(UsageRecordEntity).where('id = :id', { id: recordId }).execute();
      return { admitted: false, used: (await counters.readUsed(manager, counterId)) ?? 0 };
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
      return { admitted: false, used: (await counters.readUsed(manager, counterId)) ?? 0 };
    }
    await manager
      .createQueryBuilder()
      .update(UsageRecordEntity)
      .set({ status: 'reserved', quantity: request.quantity, createdAt: now, reportedAt: null, responseStatus: null, responseBody: null })
      .where('id = :id', { id: existing.id })
      .execute();
    return { admitted: true, reservation: { ...reservationOf(request, counterId, existing.id, null, this.options.now()), credits: split.spends } };
  }

  /** A keyed use's units: from the allowance alone when it fits, else split with purchased credits (recorded against the key). */
  private async take(tx: PaymentsTx, counterId: number, request: ReserveRequest, recordId: number): Promise<CreditSplit | null> {
    let split: CreditSplit | null = null;
    if (await this.increments.counters.increment(tx.manager, counterId, request.quantity, request.limit)) split = { allowance: request.quantity, spends: [] };
    else if (this.credits.sells(request.metric)) {
      split = await this.credits.spend(tx, counterId, request);
      if (split) await this.credits.record(tx.manager, recordId, split.spends);
    }
    // Only units of the plan's allowance are billed through a meter; purchased credits were paid for already.
    if (split && split.allowance > 0) await this.increments.meter(tx.manager, request, request.period, split.allowance);
    return split;
  }

  /** The answer to a repeat of a live key, from a lock-free read; null when the key must be (re)counted. */
  private async answerRepeat(request: ReserveRequest, key: string): Promise<ReserveOutcome | typeof BUSY | null> {
    const existing = await this.transactions.dataSource.getRepository(UsageRecordEntity).findOne({
      where: { billableId: request.billableId, metric: request.metric, periodStart: request.period.start, idempotencyKey: key },
    });
    if (!existing) return null;
    const counterId = this.increments.counters.cachedId(request);
    if (counterId === undefined) return null;
    return this.repeatOutcome(request, existing, counterId, this.options.now());
  }

  /** A live key (inside its window, not released): a replay, BUSY while its first use runs, or 422 for another quantity. */
  private repeatOutcome(request: ReserveRequest, existing: UsageRecordEntity, counterId: number, now: Date): ReserveOutcome | typeof BUSY | null {
    const expired = existing.createdAt.getTime() + this.options.usageIdempotency.windowSeconds * 1000 <= now.getTime();
    if (expired || existing.status === 'released') return null;
    if (existing.quantity !== request.quantity) throw keyMismatch(request.metric, existing.quantity);
    if (existing.status === 'reserved') return BUSY;
    return { admitted: true, reservation: reservationOf(request, counterId, existing.id, replayOf(existing), this.options.now()) };
  }
}

function replayOf(record: UsageRecordEntity): UsageReplay {
  const stored = record.responseBody !== null;
  return { status: record.responseStatus, stored, body: stored ? decodeReplayBody(record.responseBody as string) : undefined };
}
