import { Inject, Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { BillableStore } from '../persistence/billable-store';
import { PaymentsTransactions } from '../persistence/payments-transactions';
import type { WorkQueueApi } from '../queue/work-queue.contract';
import { METER_REPORT_KIND, MeterReportPayload } from './meter-report.payload';
import { reportKey } from './meter-window';
import { MeterWindowEntity } from './meter-window.entity';
import { METERING_QUEUE } from './metering.tokens';
import { USAGE_REPORTER, UsageReporter } from './usage-reporter';

/** A time range [start, end), minute-aligned. */
export interface ReconcilePeriod {
  start: Date;
  end: Date;
}

/** Local and reported totals of one billable on one meter. */
export interface MeterDrift {
  billableId: string;
  meter: string;
  customerId: string | null;
  /** Units counted here (every window sequence in the period). */
  local: number;
  /** Units the local rows say were reported. */
  reported: number;
  /** Units Stripe holds (meter event summaries); null when it could not tell. */
  stripe: number | null;
  /** `local - stripe`: positive means not (yet) billed, negative means billed twice. */
  drift: number | null;
  /** Units in windows Stripe refused (outside the backdating limit, unknown meter). */
  flagged: number;
  /** Units still waiting for their window report. */
  pending: number;
}

/** What `reconcile` prints. */
export interface ReconcileReport {
  period: { start: string; end: string };
  rows: MeterDrift[];
  /** Sum of |drift| over the rows. */
  totalDrift: number;
  flagged: number;
  pending: number;
}

/**
 * Usage billing operations for the CLI and apps: `report()` drains due window reports now,
 * `reconcile(period)` compares local totals with the backend's (Stripe meter event summaries).
 */
@Injectable()
export class UsageOperations {
  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    @Inject(METERING_QUEUE) private readonly queue: WorkQueueApi,
    @Inject(USAGE_REPORTER) private readonly reporter: UsageReporter,
    private readonly transactions: PaymentsTransactions,
    private readonly billables: BillableStore,
  ) {}

  /**
   * Reports every unreported window now, the current one too (its later uses go in its next
   * sequence), and waits for the sends; returns how many reports ran.
   */
  async report(): Promise<number> {
    const rows = await this.transactions.dataSource.getRepository(MeterWindowEntity).find({ where: { status: In(['open', 'sealed']) } });
    // Enqueueing a pending item again keeps the earlier run time: now.
    await this.transactions.write(async (manager) => {
      for (const row of rows) {
        const payload: MeterReportPayload = { billableId: row.billableId, meter: row.meter, windowStart: row.windowStart.toISOString(), windowEnd: row.windowEnd.toISOString(), seq: row.seq };
        await this.queue.enqueue(manager, METER_REPORT_KIND, reportKey(row.billableId, row.meter, row.windowStart, row.seq), payload, { runAfter: new Date() });
      }
    });
    return this.queue.drain(METER_REPORT_KIND);
  }

  /** Local vs reported totals per billable and meter for windows starting in the period (default: this UTC month). */
  async reconcile(period: ReconcilePeriod = monthOf(this.options.now())): Promise<ReconcileReport> {
    const rows = await this.transactions.dataSource
      .getRepository(MeterWindowEntity)
      .createQueryBuilder('w')
      .where('w.window_start >= :start AND w.window_start < :end', period)
      .getMany();
    const groups = new Map<string, MeterWindowEntity[]>();
    for (const row of rows) {
      const key = `${row.billableId}\u0000${row.meter}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    const drifts: MeterDrift[] = [];
    for (const windows of groups.values()) {
      const { billableId, meter } = windows[0];
      const customerId = (await this.billables.findById(billableId))?.stripeCustomerId ?? null;
      const sum = (filter: (w: MeterWindowEntity) => boolean) => windows.filter(filter).reduce((n, w) => n + w.quantity, 0);
      const local = sum(() => true);
      const stripe = customerId && this.reporter.totals ? await this.reporter.totals(meter, customerId, period.start, period.end) : null;
      drifts.push({
        billableId, meter, customerId, local, stripe,
        reported: sum((w) => w.status === 'reported'),
        drift: stripe === null ? null : local - stripe,
        flagged: sum((w) => w.status === 'expired' || w.status === 'rejected'),
        pending: sum((w) => w.status === 'open' || w.status === 'sealed'),
      });
    }
    drifts.sort((a, b) => a.billableId.localeCompare(b.billableId) || a.meter.localeCompare(b.meter));
    return {
      period: { start: period.start.toISOString(), end: period.end.toISOString() },
      rows: drifts,
      totalDrift: drifts.reduce((n, d) => n + Math.abs(d.drift ?? 0), 0),
      flagged: drifts.reduce((n, d) => n + d.flagged, 0),
      pending: drifts.reduce((n, d) => n + d.pending, 0),
    };
  }

  /** Windows Stripe refused (for the health indicator and the CLI). */
  flaggedWindows(): Promise<MeterWindowEntity[]> {
    return this.transactions.dataSource.getRepository(MeterWindowEntity).find({ where: { status: In(['expired', 'rejected']) }, take: 100 });
  }
}

/** The UTC calendar month of `at`. */
export function monthOf(at: Date): ReconcilePeriod {
  return { start: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)), end: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1)) };
}

/** `--period`: 'YYYY-MM', or '<iso start>..<iso end>'. Null when it is neither. */
export function parseReconcilePeriod(text: string): ReconcilePeriod | null {
  const month = /^(\d{4})-(\d{2})$/.exec(text);
  if (month) return monthOf(new Date(Date.UTC(Number(month[1]), Number(month[2]) - 1, 1)));
  const [from, to] = text.split('..');
  const start = new Date(from);
  const end = new Date(to ?? '');
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end <= start) return null;
  return { start, end };
}
