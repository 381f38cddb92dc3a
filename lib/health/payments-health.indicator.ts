import { Inject, Injectable, Optional } from '@nestjs/common';
import type Stripe from 'stripe';
import { DataSource, In, Not } from 'typeorm';
import { PAYMENTS_DATA_SOURCE, PAYMENTS_OPTIONS, STRIPE_CLIENT } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { WebhookEventEntity } from '../persistence/entities/webhook-event.entity';
import { WorkQueue } from '../queue/work-queue.service';
import { MeterWindowEntity } from '../metering/meter-window.entity';
import { PaymentsHealthDetails, PaymentsHealthOptions } from './payments-health.types';
import { StripeReachability } from './stripe-reachability';

// Statuses after which an event needs no more work.
const SETTLED = ['processed', 'ignored'];

/**
 * A health indicator for `@nestjs/terminus` (which stays optional: the answer is Terminus' result
 * shape, so nothing here imports it): `() => payments.isHealthy('payments')` in a
 * `HealthCheckService.check([...])`. Down when the database does not answer, Stripe does not answer
 * (cached), or the webhook backlog is over its thresholds.
 */
@Injectable()
export class PaymentsHealthIndicator {
  private readonly reachability: StripeReachability;

  constructor(
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(STRIPE_CLIENT) stripe: Stripe,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    @Optional() private readonly queue?: WorkQueue,
  ) {
    this.reachability = new StripeReachability(stripe);
  }

  /** Checks database, Stripe and webhook backlog; resolves `{ [key]: { status, ...details } }`. Never throws. */
  async isHealthy<K extends string>(key: K, options: PaymentsHealthOptions = {}): Promise<Record<K, PaymentsHealthDetails>> {
    const maxFailed = options.maxFailedEvents ?? 10;
    const maxAgeSeconds = options.maxBacklogAgeSeconds ?? 3600;
    const maxFailedWork = options.maxFailedWorkItems ?? 10;
    const maxWorkAge = options.maxWorkBacklogAgeSeconds ?? 3600;
    const [backlog, work, stripeProblem] = await Promise.all([
      this.backlog(),
      this.workBacklog(),
      options.stripe === false ? Promise.resolve(undefined) : this.reachability.check((options.stripeCacheSeconds ?? 60) * 1000),
    ]);
    const problems: string[] = [];
    if (!backlog || !work) problems.push('The database did not answer.');
    if (stripeProblem) problems.push(`${stripeProblem}.`);
    if (backlog && backlog.failed > maxFailed) {
      problems.push(`${backlog.failed} webhook events failed (more than ${maxFailed}); see events:failed and events:replay.`);
    }
    const maxFlagged = options.maxFlaggedMeterWindows ?? 0;
    if (backlog && backlog.flaggedWindows > maxFlagged) {
      problems.push(`${backlog.flaggedWindows} usage-billing windows were refused by Stripe and are not billed; see usage:reconcile.`);
    }
    if (backlog && backlog.oldestSeconds > maxAgeSeconds) {
      problems.push(`The oldest unprocessed webhook event arrived ${backlog.oldestSeconds} s ago (more than ${maxAgeSeconds} s).`);
    }
    if (work && work.failed > maxFailedWork) problems.push(`${work.failed} work items failed (more than ${maxFailedWork}); see queue:failed and queue:retry.`);
    if (work && work.oldestDueSeconds > maxWorkAge) problems.push(`The most overdue work item has waited ${work.oldestDueSeconds} s (more than ${maxWorkAge} s); are the queue's workers running?`);
    const details: PaymentsHealthDetails = {
      status: problems.length === 0 ? 'up' : 'down',
      database: backlog && work ? 'up' : 'down',
      stripe: stripeProblem === undefined ? 'skipped' : stripeProblem ? 'down' : 'up',
      failedEvents: backlog?.failed ?? null,
      oldestUnprocessedSeconds: backlog?.oldestSeconds ?? null,
      failedWorkItems: work?.failed ?? null,
      oldestDueWorkSeconds: work?.oldestDueSeconds ?? null,
      flaggedMeterWindows: backlog?.flaggedWindows ?? null,
      problems,
    };
    return { [key]: details } as Record<K, PaymentsHealthDetails>;
  }

  /** Failed work items and how long the most overdue one has waited; null when the database does not answer. */
  private async workBacklog(): Promise<{ failed: number; oldestDueSeconds: number } | null> {
    if (!this.queue) return { failed: 0, oldestDueSeconds: 0 };
    try {
      const stats = await this.queue.stats();
      return { failed: stats.reduce((n, s) => n + s.failed, 0), oldestDueSeconds: Math.max(0, ...stats.map((s) => s.oldestDueSeconds)) };
    } catch {
      return null;
    }
  }

  /** Failed events and the age of the oldest unsettled one; null when the database does not answer. */
  private async backlog(): Promise<{ failed: number; oldestSeconds: number; flaggedWindows: number } | null> {
    try {
      const repo = this.dataSource.getRepository(WebhookEventEntity);
      const [failed, oldest, flaggedWindows] = await Promise.all([
        repo.count({ where: { status: 'failed' } }),
        repo.findOne({ where: { status: Not(In(SETTLED)) as never }, order: { receivedAt: 'ASC' }, select: { id: true, receivedAt: true } }),
        this.dataSource.getRepository(MeterWindowEntity).count({ where: { status: In(['expired', 'rejected']) } }),
      ]);
      const now = this.options.now().getTime();
      return { failed, flaggedWindows, oldestSeconds: oldest ? Math.max(0, Math.floor((now - new Date(oldest.receivedAt).getTime()) / 1000)) : 0 };
    } catch {
      return null;
    }
  }
}
