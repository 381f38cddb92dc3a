import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { PaymentsTransactions } from '../persistence/payments-transactions';
import type { WorkQueueApi } from '../queue/work-queue.contract';
import { METER_REPORT_KIND, MeterReportPayload } from './meter-report.payload';
import { countWithWindowPostgres } from './counter-and-window.statement';
import { MeterWindowEntity } from './meter-window.entity';
import { reportKey, windowIn } from './meter-window';
import { MeteredUsageSink, MeteredUse } from './metered-usage.sink';
import { METERING_QUEUE } from './metering.tokens';

const MAX_CACHED_WINDOWS = 100_000;

/**
 * The usage ledger's metered sink: adds each counted unit to its window row in the caller's
 * transaction. The first use of a window (or of a late sequence after the window was sealed)
 * creates the row AND enqueues its `meter-report` item in that same transaction, so a committed
 * unit always has a report coming and a rolled-back one never has. Later uses cost one UPDATE.
 */
@Injectable()
export class MeterWindowRecorder implements MeteredUsageSink {
  /** Open row ids by billable, meter and window (a cache: a stale id just misses the conditional update). */
  private readonly open = new Map<string, number>();

  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    @Inject(METERING_QUEUE) private readonly queue: WorkQueueApi,
    private readonly transactions: PaymentsTransactions,
  ) {}

  /** PostgreSQL, for a window this instance already counts in: one statement (see `countWithWindowPostgres`). */
  async countWithCounter(use: MeteredUse, counter: { counterId: number; limit: number }): Promise<boolean | null> {
    if (this.transactions.dataSource.options.type !== 'postgres' || use.quantity < 1) return null;
    const window = windowIn(use.at, this.options.metering.windowMinutes, use.period);
    const cacheKey = this.cacheKey(use, window);
    const windowId = this.open.get(cacheKey);
    if (windowId === undefined) return null;
    const result = await countWithWindowPostgres(this.transactions.dataSource.manager, {
      ...counter, quantity: use.quantity, windowId, billableId: use.billableId, meter: use.meter, windowStart: window.start,
    });
    if (result === 'window_closed') {
      this.open.delete(cacheKey);
      return null;
    }
    return result === 'counted';
  }

  async counted(manager: EntityManager, use: MeteredUse): Promise<void> {
    const window = windowIn(use.at, this.options.metering.windowMinutes, use.period);
    const cacheKey = this.cacheKey(use, window);
    // Each turn either applies the increment or finds the row sealed and opens the next sequence.
    for (let turn = 0; turn < 5; turn++) {
      const id = this.open.get(cacheKey) ?? (await this.openRow(manager, use, window));
      const applied = await manager
        .createQueryBuilder()
        .update(MeterWindowEntity)
        .set({ quantity: () => 'quantity + :delta' })
        .setParameter('delta', use.quantity)
        // The key columns guard against a cached id of a rolled-back row that SQLite gave to another row.
        .where('id = :id AND status = :open AND billable_id = :billableId AND meter = :meter AND window_start = :start', {
          id, open: 'open', billableId: use.billableId, meter: use.meter, start: window.start,
        })
        .execute();
      if (applied.affected === 1) {
        if (this.open.size >= MAX_CACHED_WINDOWS) this.open.clear();
        this.open.set(cacheKey, id);
        return;
      }
      this.open.delete(cacheKey);
    }
    throw new Error(`Metering: window ${window.start.toISOString()} of meter '${use.meter}' kept closing under concurrent reports; the use was rolled back.`);
  }

  private cacheKey(use: MeteredUse, window: { start: Date }): string {
    return `${use.billableId}\u0000${use.meter}\u0000${window.start.getTime()}`;
  }

  /** The window's open row: the latest sequence if still open, else a new one enqueued for its report. */
  private async openRow(manager: EntityManager, use: MeteredUse, window: { start: Date; end: Date }): Promise<number> {
    const repo = manager.getRepository(MeterWindowEntity);
    const where = { billableId: use.billableId, meter: use.meter, windowStart: window.start };
    const latest = await repo.findOne({ where, order: { seq: 'DESC' }, select: { id: true, seq: true, status: true } });
    if (latest?.status === 'open') return latest.id;
    const seq = latest ? latest.seq + 1 : 0;
    const insert = manager
      .createQueryBuilder()
      .insert()
      .into(MeterWindowEntity)
      .values({ ...where, metric: use.metric, windowEnd: window.end, seq, quantity: 0, status: 'open', eventAt: null, reportedAt: null, lastError: null })
      .orIgnore()
      .updateEntity(false);
    const [sql, parameters] = insert.getQueryAndParameters();
    const inserted = await manager.queryRunner!.query(sql, parameters, true);
    // A locking read sees a row another transaction just committed, where a MySQL/MariaDB snapshot would not.
    const lock = this.transactions.isSqlite ? {} : { lock: { mode: 'pessimistic_write' as const } };
    const row = await repo.findOneOrFail({ where: { ...where, seq }, select: { id: true }, ...lock });
    // Whoever inserted the row enqueued its report in the same transaction.
    if (inserted.affected === 1) await this.enqueue(manager, use, window, seq);
    return row.id;
  }

  private async enqueue(manager: EntityManager, use: MeteredUse, window: { start: Date; end: Date }, seq: number): Promise<void> {
    const { graceSeconds } = this.options.metering;
    const now = this.options.now().getTime();
    // A late sequence of a past window waits one grace too, so its stragglers go in one event.
    const delayMs = Math.max(window.end.getTime(), now) + graceSeconds * 1000 - now;
    // The queue runs on the wall clock; `options.now` may be a test's clock: keep only the delay.
    const runAfter = new Date(Date.now() + delayMs);
    const payload: MeterReportPayload = { billableId: use.billableId, meter: use.meter, windowStart: window.start.toISOString(), windowEnd: window.end.toISOString(), seq };
    await this.queue.enqueue(manager, METER_REPORT_KIND, reportKey(use.billableId, use.meter, window.start, seq), payload, { runAfter });
  }
}
