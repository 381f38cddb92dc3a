import type { EntityManager } from 'typeorm';
import type { MeteredUsageSink, MeteredUse } from '../metering/metered-usage.sink';
import type { PaymentsTransactions } from '../persistence/payments-transactions';
import { CounterBatcher } from './counter-batcher';
import type { ReserveRequest } from './usage-reservation';
import { UsageCounters } from './usage-counters';
import type { UsagePeriod } from './usage-period';
import { againOnLockConflict } from '../persistence/lock-conflict';

interface MeteredLane {
  counterId: number;
  billableId: string;
  metric: string;
  meter: string;
  period: UsagePeriod;
}

/**
 * The unkeyed increments of the usage counters, batched per counter, and the metered units they
 * hand to the metering room. A metered batch is the counter's increment and its window's together:
 * in one statement where the sink can (PostgreSQL), else one transaction.
 */
export class UsageIncrements {
  readonly counters = new UsageCounters();
  private readonly flat: CounterBatcher;
  /** Metered increments batch per (counter, meter) lane. */
  private readonly metered: CounterBatcher;
  private readonly laneIds = new Map<string, number>();
  private readonly lanes: MeteredLane[] = [];

  constructor(
    private readonly transactions: PaymentsTransactions,
    private readonly now: () => Date,
    private readonly sink?: MeteredUsageSink,
  ) {
    // SQLite's driver writes synchronously: gather the requests that queued up behind each write.
    const gather = { gather: transactions.isSqlite };
    this.flat = new CounterBatcher(
      (counterId, quantity, limit) => this.transactions.write((manager) => this.counters.increment(manager, counterId, quantity, limit)),
      gather,
    );
    this.metered = new CounterBatcher((lane, quantity, limit) => this.applyMetered(this.lanes[lane], quantity, limit), gather);
  }

  /** Adds an unkeyed use's units under the limit: true when it fitted. */
  unkeyed(request: ReserveRequest, counterId: number): Promise<boolean> {
    if (!request.meter || !this.sink) return this.flat.increment(counterId, request.quantity, request.limit);
    const laneKey = `${counterId}\u0000${request.meter}`;
    let lane = this.laneIds.get(laneKey);
    if (lane === undefined) {
      lane = this.lanes.push({ counterId, billableId: request.billableId, metric: request.metric, meter: request.meter, period: request.period }) - 1;
      this.laneIds.set(laneKey, lane);
    }
    return this.metered.increment(lane, request.quantity, request.limit);
  }

  /** Hands a metered change to the metering room, inside the caller's transaction (nothing for unmetered uses). */
  async meter(manager: EntityManager, use: { billableId: string; metric: string; meter?: string | null }, period: { start: Date; end: Date }, quantity: number, at?: Date): Promise<void> {
    if (!use.meter || !this.sink) return;
    await this.sink.counted(manager, this.meteredUse({ ...use, meter: use.meter }, period, quantity, at));
  }

  private async applyMetered(lane: MeteredLane, quantity: number, limit: number): Promise<boolean> {
    const together = await this.sink!.countWithCounter?.(this.meteredUse(lane, lane.period, quantity), { counterId: lane.counterId, limit });
    if (together !== undefined && together !== null) return together;
    // MariaDB may roll this back to break a lock cycle with another window's enqueue: nothing of it applied.
    return againOnLockConflict(() =>
      this.transactions.run(async ({ manager }) => {
        if (!(await this.counters.increment(manager, lane.counterId, quantity, limit))) return false;
        await this.meter(manager, lane, lane.period, quantity);
        return true;
      }),
    );
  }

  private meteredUse(use: { billableId: string; metric: string; meter: string }, period: { start: Date; end: Date }, quantity: number, at?: Date): MeteredUse {
    const { start, end } = period;
    return { billableId: use.billableId, metric: use.metric, meter: use.meter, quantity, at: at ?? this.now(), period: { start, end } };
  }
}
