import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EntityTarget, ObjectLiteral } from 'typeorm';
import { PAYMENTS_OPTIONS } from '../../payments.constants';
import type { ResolvedPaymentsOptions } from '../../payments.options';
import { UsageRecordEntity } from '../entities/usage-record.entity';
import { WebhookEventEntity } from '../entities/webhook-event.entity';
import { WorkItemEntity } from '../entities/work-item.entity';
import { PaymentsTransactions } from '../payments-transactions';

/** What one `prune` deleted. */
export interface PruneResult {
  /** Processed or ignored webhook inbox rows older than `retention.webhookEventsDays`. */
  webhookEvents: number;
  /** Usage records older than `retention.usageRecordsDays` (and past their idempotency window). */
  usageRecords: number;
  /** Done work queue items last updated before `retention.workItemsDays`. */
  workItems: number;
}

const DAY_MS = 86_400_000;

/**
 * Prunes the module's bookkeeping rows: processed (or ignored) webhook inbox rows and usage
 * records past their age. Failed and pending inbox rows are never touched, nor a usage record
 * inside its idempotency window. Every instance runs it on `retention.intervalMs` (an unref'd
 * timer); several at once are safe, since each batch selects ids and deletes them again under the
 * same condition, so an id another instance took first is simply not counted.
 */
@Injectable()
export class PaymentsRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Payments:Retention');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<PruneResult> | null = null;

  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly transactions: PaymentsTransactions,
  ) {}

  /** @internal Starts the interval, unless `retention.intervalMs` is 0. */
  onApplicationBootstrap(): void {
    const { intervalMs } = this.options.retention;
    if (intervalMs === 0) return;
    this.timer = setInterval(() => {
      this.prune().catch((error: unknown) => this.logger.warn(`Pruning failed; it runs again in ${intervalMs} ms (${(error as Error)?.name ?? 'Error'}).`));
    }, intervalMs);
    // A pruning timer must never keep a process (a CLI run, a test) alive.
    this.timer.unref();
  }

  /** @internal */
  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Deletes what is past its retention now, in batches of `retention.batchSize`; one run at a time per instance. */
  prune(): Promise<PruneResult> {
    this.running ??= this.pruneOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pruneOnce(): Promise<PruneResult> {
    const { retention, usageIdempotency } = this.options;
    const now = this.options.now().getTime();
    const eventsBefore = new Date(now - retention.webhookEventsDays * DAY_MS);
    // Never inside a key's window, whatever the configured age.
    const recordsBefore = new Date(now - Math.max(retention.usageRecordsDays * DAY_MS, usageIdempotency.windowSeconds * 1000));
    const webhookEvents = await this.deleteInBatches(WebhookEventEntity, 'status IN (:...done) AND processed_at < :before', {
      done: ['processed', 'ignored'],
      before: eventsBefore,
    });
    const usageRecords = await this.deleteInBatches(UsageRecordEntity, 'created_at < :before', { before: recordsBefore });
    const workItems = await this.deleteInBatches(WorkItemEntity, 'status = :done AND updated_at < :before', { done: 'done', before: new Date(now - retention.workItemsDays * DAY_MS) });
    if (webhookEvents + usageRecords + workItems > 0) this.logger.log(`Pruned ${webhookEvents} webhook inbox row(s), ${usageRecords} usage record(s) and ${workItems} done work item(s).`);
    return { webhookEvents, usageRecords, workItems };
  }

  private async deleteInBatches(target: EntityTarget<ObjectLiteral>, condition: string, parameters: Record<string, unknown>): Promise<number> {
    const size = this.options.retention.batchSize;
    let deleted = 0;
    for (;;) {
      // Select then delete by id: MySQL/MariaDB refuse LIMIT in an IN subquery, and a short
      // statement per batch keeps locks and the journal small while the app keeps writing.
      const rows: { id: string | number }[] = await this.transactions.dataSource
        .createQueryBuilder()
        .select('id')
        .from(target, 'row')
        .where(condition, parameters)
        .orderBy('id')
        .limit(size)
        .getRawMany();
      if (rows.length === 0) return deleted;
      const ids = rows.map((row) => row.id);
      const result = await this.transactions.write((manager) =>
        manager.createQueryBuilder().delete().from(target).where('id IN (:...ids)', { ids }).andWhere(condition, parameters).execute(),
      );
      deleted += result.affected ?? ids.length;
      if (rows.length < size) return deleted;
    }
  }
}
