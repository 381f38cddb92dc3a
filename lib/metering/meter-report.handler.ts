import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { BillableStore } from '../persistence/billable-store';
import { PaymentsTransactions } from '../persistence/payments-transactions';
import type { WorkHandler, WorkItem, WorkQueueApi, WorkResult } from '../queue/work-queue.contract';
import { METER_REPORT_KIND, MeterReportPayload } from './meter-report.payload';
import { MeterWindowEntity, MeterWindowStatus } from './meter-window.entity';
import { eventTimestamp, meterEventIdentifier, pastBackdateLimit } from './meter-window';
import { METERING_QUEUE } from './metering.tokens';
import { USAGE_REPORTER, UsageReporter } from './usage-reporter';

/** Thrown for a window that can never be reported: the queue keeps the item `failed` for the CLI and health check. */
export class MeterWindowRejectedError extends Error {}

/**
 * Runs one `meter-report` item: seals the window row (later uses open the next sequence), sends its
 * total as ONE meter event with the deterministic identifier, marks it reported. Safe to run again
 * at any step: a sealed row keeps its total, and the identifier makes a resend a no-op at Stripe.
 * No transaction is open during the send.
 */
@Injectable()
export class MeterReportHandler implements WorkHandler<MeterReportPayload>, OnModuleInit {
  readonly kind = METER_REPORT_KIND;
  /** Transient Stripe failures are retried with backoff; a window older than the backdating limit stops anyway. */
  readonly maxAttempts = 12;
  private readonly logger = new Logger('Payments:Metering');

  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    @Inject(METERING_QUEUE) private readonly queue: WorkQueueApi,
    @Inject(USAGE_REPORTER) private readonly reporter: UsageReporter,
    private readonly transactions: PaymentsTransactions,
    private readonly billables: BillableStore,
  ) {}

  onModuleInit(): void {
    this.queue.register(this);
  }

  async run(item: WorkItem<MeterReportPayload>): Promise<WorkResult> {
    const { billableId, meter, seq } = item.payload;
    const windowStart = new Date(item.payload.windowStart);
    const repo = this.transactions.dataSource.getRepository(MeterWindowEntity);
    const where = { billableId, meter, windowStart, seq };
    const now = this.options.now();
    // Freeze the total and the event time first: a use committing after this lands in the next
    // sequence, and every retry sends the same parameters (Stripe refuses a reused key otherwise).
    const eventAt = new Date(eventTimestamp({ start: windowStart, end: new Date(item.payload.windowEnd) }, now) * 1000);
    await this.transactions.write((manager) =>
      manager.createQueryBuilder().update(MeterWindowEntity).set({ status: 'sealed', eventAt }).where('billable_id = :billableId AND meter = :meter AND window_start = :windowStart AND seq = :seq AND status = :open', { ...where, open: 'open' }).execute(),
    );
    const row = await repo.findOne({ where });
    if (!row) {
      this.logger.warn(`meter-report ${item.key}: no window row (the usage was rolled back); nothing to send`);
      return 'done';
    }
    if (row.status === 'reported') return 'done';
    if (row.status === 'expired' || row.status === 'rejected') throw new MeterWindowRejectedError(`window ${item.key} was refused: ${row.lastError ?? row.status}`);
    if (row.quantity === 0) return this.mark(row.id, 'reported');
    const timestamp = Math.floor((row.eventAt ?? new Date(eventTimestamp({ start: row.windowStart, end: row.windowEnd }, now) * 1000)).getTime() / 1000);
    if (row.quantity < 0) return this.reject(row, 'rejected', 'negative_total', item.key);
    if (pastBackdateLimit(timestamp, now)) return this.reject(row, 'expired', 'outside_backdating_limit', item.key);
    const customerId = (await this.billables.findById(billableId))?.stripeCustomerId ?? null;
    // No customer yet: try later (a metered plan's billable has one once checkout completes).
    if (!customerId) throw new Error(`billable ${billableId} has no Stripe customer yet`);
    const identifier = meterEventIdentifier(billableId, meter, row.windowStart, seq, this.options.metering.identifierPrefix);
    const outcome = await this.reporter.report({ identifier, meter, billableId, customerId, value: row.quantity, timestamp });
    if (outcome.kind === 'slow_down') return { retryAt: outcome.retryAt };
    if (outcome.kind === 'rejected') return this.reject(row, outcome.reason === 'outside_backdating_limit' ? 'expired' : 'rejected', outcome.reason, item.key);
    return this.mark(row.id, 'reported');
  }

  private async mark(id: number, status: MeterWindowStatus, lastError: string | null = null): Promise<'done'> {
    const reportedAt = status === 'reported' ? this.options.now() : null;
    await this.transactions.write((manager) => manager.getRepository(MeterWindowEntity).update({ id }, { status, reportedAt, lastError }));
    return 'done';
  }

  private async reject(row: MeterWindowEntity, status: 'expired' | 'rejected', reason: string, key: string): Promise<never> {
    await this.mark(row.id, status, reason);
    this.logger.error(`meter-report ${key}: ${row.quantity} units of '${row.meter}' cannot be reported (${reason}); they stay flagged in payments_meter_windows (usage:reconcile lists them)`);
    throw new MeterWindowRejectedError(`window ${key} refused: ${reason}`);
  }
}
