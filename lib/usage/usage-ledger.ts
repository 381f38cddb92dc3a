import { Inject, Injectable, Optional } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { METERED_USAGE_SINK, MeteredUsageSink } from '../metering/metered-usage.sink';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { UsageCounterEntity } from '../persistence/entities/usage-counter.entity';
import { UsageRecordEntity } from '../persistence/entities/usage-record.entity';
import { PaymentsTransactions } from '../persistence/payments-transactions';
import { CreditsLedger, CreditSpend } from './credits-ledger';
import { KeyedUsage } from './keyed-usage';
import { UsageIncrements } from './usage-increments';
import type { UsagePeriod } from './usage-period';
import { encodeReplayBody } from './usage-replay';
import { assertQuantity, ReserveOutcome, ReserveRequest, reservationOf, UsageReservation, UsageResponse } from './usage-reservation';
import { againOnLockConflict } from '../persistence/lock-conflict';

export type { ReserveOutcome, ReserveRequest, UsageReservation, UsageResponse } from './usage-reservation';

/**
 * Exact usage counting: one conditional `UPDATE ... SET used = used + q WHERE used + q <= limit`
 * per use, so concurrent requests on any number of instances can never pass the limit or lose an
 * increment. Without a key no record is written and a use costs one statement (unkeyed increments:
 * `UsageIncrements`); keyed uses work like Stripe's idempotency keys (`KeyedUsage`).
 */
@Injectable()
export class UsageLedger {
  private readonly increments: UsageIncrements;
  private readonly keyed: KeyedUsage;

  constructor(
    /** @internal */ readonly transactions: PaymentsTransactions,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly credits: CreditsLedger,
    @Optional() @Inject(METERED_USAGE_SINK) private readonly sink?: MeteredUsageSink,
  ) {
    this.increments = new UsageIncrements(transactions, () => options.now(), sink);
    this.keyed = new KeyedUsage(transactions, options, this.increments, credits);
  }

  private get counters() {
    return this.increments.counters;
  }

  /** Adds `quantity` units when the limit allows it; refuses without changing anything otherwise. */
  async reserve(request: ReserveRequest): Promise<ReserveOutcome> {
    assertQuantity(request.quantity);
    if (!Number.isSafeInteger(request.limit) || request.limit < -1) throw new RangeError(`UsageLedger: limit must be a whole number, -1 for unlimited; got ${String(request.limit)}.`);
    if (request.idempotencyKey) return this.keyed.reserve(request, request.idempotencyKey);
    const counterId = await this.transactions.write((manager) => this.counters.id(manager, request));
    if (await this.increments.unkeyed(request, counterId)) {
      return { admitted: true, reservation: this.reservation(request, counterId) };
    }
    if (this.credits.sells(request.metric)) {
      // Past the allowance: the rest of it, then purchased credits, in one transaction.
      // Run again if MariaDB rolled it back to break a lock cycle (nothing of it applied).
      const split = await againOnLockConflict(() =>
        this.transactions.run(async (tx) => {
          const taken = await this.credits.spend(tx, counterId, request);
          if (taken && taken.allowance > 0) await this.increments.meter(tx.manager, request, request.period, taken.allowance);
          return taken;
        }),
      );
      if (split) return { admitted: true, reservation: { ...this.reservation(request, counterId), credits: split.spends } };
    }
    const used = await this.counters.readUsed(this.transactions.dataSource.manager, counterId);
    if (used !== null) return { admitted: false, used };
    // The counter row vanished (purged by the app): forget it and count on a fresh one.
    this.counters.forget(request);
    const fresh = await this.transactions.write((manager) => this.counters.id(manager, request));
    if (await this.transactions.write((manager) => this.counters.increment(manager, fresh, request.quantity, request.limit))) {
      return { admitted: true, reservation: this.reservation(request, fresh) };
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
      await againOnLockConflict(() => this.transactions.run((tx) => this.returnUnits(tx.manager, reservation, spends)));
      return;
    }
    await againOnLockConflict(() => this.transactions.run(async (tx) => {
      const flipped = await tx.manager
        .createQueryBuilder()
        .update(UsageRecordEntity)
        .set({ status: 'released' })
        .where('id = :id AND status <> :released', { id: reservation.recordId, released: 'released' })
        .execute();
      if (flipped.affected !== 1) return;
      await this.returnUnits(tx.manager, reservation, await this.credits.takeRecorded(tx.manager, reservation.recordId!));
    }));
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

  /** Gives a use's units back: its allowance part to the counter (and its meter), its credits to their buckets. */
  private async returnUnits(manager: EntityManager, reservation: UsageReservation, spends: CreditSpend[]): Promise<void> {
    const fromAllowance = reservation.quantity - spends.reduce((sum, s) => sum + s.quantity, 0);
    if (fromAllowance > 0 && (await this.counters.decrement(manager, reservation.counterId, fromAllowance))) {
      await this.increments.meter(manager, reservation, periodOf(reservation), -fromAllowance, reservation.countedAt);
    }
    if (spends.length > 0) await this.credits.restore(manager, spends);
  }

  private reservation(request: ReserveRequest, counterId: number): UsageReservation {
    return reservationOf(request, counterId, null, null, this.options.now());
  }
}

function periodOf(reservation: UsageReservation): { start: Date; end: Date } {
  return { start: reservation.periodStart, end: reservation.periodEnd };
}
