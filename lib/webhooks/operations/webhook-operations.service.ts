import { Inject, Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { IsNull, Not } from 'typeorm';
import { PAYMENTS_OPTIONS } from '../../payments.constants';
import { ResolvedPaymentsOptions } from '../../payments.options';
import { isDoneEventStatus, WebhookEventEntity } from '../../persistence/entities/webhook-event.entity';
import { Billable, BillableStore } from '../../persistence/billable-store';
import { PaymentsTransactions } from '../../persistence/payments-transactions';
import { PlanCatalog } from '../../plans/plan-catalog';
import { StripeGateway } from '../../stripe/stripe-gateway.service';
import { describeError } from '../../common/describe-error';
import { WebhookInbox } from '../inbox/webhook-inbox.service';
import { BillingSyncService, pickCurrent } from '../sync/billing-sync.service';
import { HOLDING_STATUSES, snapshotState, stateFromSubscription } from '../sync/subscription-state.mapper';
import { DeliveryOutcome, WebhookProcessor } from '../webhook-processor.service';
import { WorkQueue } from '../../queue/work-queue.service';
import { WEBHOOK_WORK_KIND } from '../queued/webhook-work-item';
import { diffBillingState, DriftReport } from './billing-drift';
import { CustomerLink, indexStripeCustomers, LinkCustomersOptions, LinkCustomersResult } from './customer-linker';
import { CatchUpResult, clampToRetention, listEventsSince } from './event-catch-up';

/** Result of replaying one event. */
export interface ReplayResult {
  id: string;
  outcome: DeliveryOutcome | 'in_progress' | 'not_found' | 'failed';
  error?: string;
}

/** Result of resyncing billables. */
export interface ResyncResult {
  synced: number;
  failed: { billableId: string; error: string }[];
}

const PAGE = 100;

/**
 * Operations on the webhook pipeline, for the CLI and for apps' own admin tools: list failed
 * events, replay them, catch up on events never delivered, resync billables from Stripe, report
 * drift against Stripe, and link customers that already exist at Stripe.
 */
@Injectable()
export class WebhookOperations {
  private readonly logger = new Logger('Payments:Webhooks');

  constructor(
    private readonly inbox: WebhookInbox,
    private readonly processor: WebhookProcessor,
    private readonly gateway: StripeGateway,
    private readonly sync: BillingSyncService,
    private readonly store: BillableStore,
    private readonly transactions: PaymentsTransactions,
    private readonly catalog: PlanCatalog,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly queue: WorkQueue,
  ) {}

  /**
   * Queued mode: runs webhook events waiting in the work queue until none is `queued` any more
   * (those running on other instances' workers included), for tests and the CLI; returns how many
   * this call ran. An event whose retry is scheduled later is waited for, up to `timeoutMs` (default 30 s).
   */
  async drainQueued(timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let ran = 0;
    for (;;) {
      ran += await this.queue.drain(WEBHOOK_WORK_KIND);
      const left = await this.inbox.countQueued();
      if (left === 0) return ran;
      if (Date.now() >= deadline) throw new Error(`drainQueued: ${left} webhook events still queued after ${timeoutMs} ms (see events:failed and the queue's status).`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Inbox events that failed or were abandoned mid-way (their lease expired), oldest first. */
  failedEvents(): Promise<WebhookEventEntity[]> {
    return this.inbox.failed();
  }

  /** Re-fetches an event from Stripe (`events.retrieve`) and runs it through the pipeline; processed events are not run again. */
  async replay(eventId: string): Promise<ReplayResult> {
    const event = await this.gateway.find('events.retrieve', (s) => s.events.retrieve(eventId));
    if (!event) return { id: eventId, outcome: 'not_found' };
    return this.runFetched(event);
  }

  /** Replays every failed event, one after the other. */
  async replayAllFailed(): Promise<ReplayResult[]> {
    const results: ReplayResult[] = [];
    for (const row of await this.failedEvents()) results.push(await this.replay(row.id));
    return results;
  }

  /**
   * Lists Stripe's events since `since` (at most Stripe's 30 days back) and runs those the inbox
   * has not completed through the pipeline, oldest first: for events whose deliveries were all
   * lost (Stripe gave up after 3 days, an endpoint was down or misconfigured). Completed events are
   * not run again, so a catch-up can be repeated at will.
   */
  async catchUp(since: Date): Promise<CatchUpResult> {
    const start = clampToRetention(since, this.options.now());
    const events = await this.gateway.call('events.list', (s) => listEventsSince(s, start));
    const result: CatchUpResult = { since: start.toISOString(), listed: events.length, alreadyDone: 0, processed: 0, ignored: 0, inProgress: 0, failed: [] };
    for (const event of events) {
      const row = await this.inbox.find(event.id);
      if (isDoneEventStatus(row?.status)) {
        result.alreadyDone++;
        continue;
      }
      const one = await this.runFetched(event);
      if (one.outcome === 'processed') result.processed++;
      else if (one.outcome === 'ignored') result.ignored++;
      else if (one.outcome === 'duplicate') result.alreadyDone++;
      else if (one.outcome === 'in_progress') result.inProgress++;
      else result.failed.push({ id: event.id, type: event.type, error: one.error ?? one.outcome });
    }
    this.logger.log(`Catch-up since ${result.since}: ${result.listed} listed, ${result.processed} processed, ${result.ignored} ignored, ${result.alreadyDone} already done, ${result.failed.length} failed.`);
    return result;
  }

  /** Resyncs one billable from Stripe. */
  async resync(billableId: string): Promise<ResyncResult> {
    try {
      await this.sync.syncBillable(billableId);
      return { synced: 1, failed: [] };
    } catch (error) {
      return { synced: 0, failed: [{ billableId, error: describeError(error) }] };
    }
  }

  /** Resyncs every billable that has a Stripe customer, page by page. */
  async resyncAll(): Promise<ResyncResult> {
    const result: ResyncResult = { synced: 0, failed: [] };
    await this.eachBillable({ stripeCustomerId: Not(IsNull()) }, async (_billable, billableId) => {
      const one = await this.resync(billableId);
      result.synced += one.synced;
      result.failed.push(...one.failed);
    });
    this.logger.log(`Resynced ${result.synced} billables, ${result.failed.length} failed.`);
    return result;
  }

  /**
   * Compares every billable that has a Stripe customer with what Stripe says now and reports the
   * differences without writing anything (`sync --check`). One Stripe call per billable.
   */
  async checkDrift(): Promise<DriftReport> {
    const report: DriftReport = { checked: 0, drifted: 0, differences: [], failed: [] };
    await this.eachBillable({ stripeCustomerId: Not(IsNull()) }, async (billable, billableId) => {
      const stored = snapshotState(billable);
      try {
        const list = await this.gateway.call('subscriptions.list', (s) =>
          s.subscriptions.list({ customer: stored.stripeCustomerId!, status: 'all', limit: 100, expand: ['data.latest_invoice'] }),
        );
        const now = this.options.now();
        const current = pickCurrent(list.data, stored.stripeSubscriptionId);
        const expected = current
          ? stateFromSubscription(current, stored, this.catalog, { syncedAt: now, pastDueFallback: now }).patch
          : HOLDING_STATUSES.includes(stored.subscriptionStatus ?? '')
            ? { stripeSubscriptionId: null, subscriptionStatus: null, plan: null }
            : {};
        const differences = diffBillingState(billableId, stored, expected);
        report.checked++;
        if (differences.length > 0) report.drifted++;
        report.differences.push(...differences);
      } catch (error) {
        report.failed.push({ billableId, error: describeError(error) });
      }
    });
    this.logger.log(`Drift check: ${report.checked} billables compared with Stripe, ${report.drifted} differ, ${report.failed.length} failed.`);
    return report;
  }

  /**
   * Attaches existing Stripe customers to billables that have none (for apps adopting the package
   * with customers already at Stripe), matched by `metadata.billable_id` or by e-mail. A dry run
   * unless `apply`; a billable or customer with more than one match is reported, never guessed.
   * Applied links are then resynced, so existing subscriptions arrive too.
   */
  async linkCustomers(options: LinkCustomersOptions = {}): Promise<LinkCustomersResult> {
    const by = options.by ?? 'metadata';
    const emailOf = options.emailOf ?? ((b: Record<string, unknown>) => (typeof b.email === 'string' ? b.email : null));
    const index = await this.gateway.call('customers.list', (s) => indexStripeCustomers(s));
    const result: LinkCustomersResult = { by, applied: options.apply === true, candidates: 0, links: [], ambiguous: [], taken: [] };
    const proposed: CustomerLink[] = [];
    await this.eachBillable({ stripeCustomerId: IsNull() }, async (billable, billableId) => {
      result.candidates++;
      const email = by === 'email' ? emailOf(billable as Record<string, unknown>)?.trim().toLowerCase() : null;
      const matches = by === 'metadata' ? (index.byBillable.get(billableId) ?? []) : email ? (index.byEmail.get(email) ?? []) : [];
      if (matches.length > 1) result.ambiguous.push({ billableId, customerIds: matches });
      else if (matches.length === 1) proposed.push({ billableId, customerId: matches[0] });
    });
    const claimants = new Map<string, string[]>();
    for (const link of proposed) claimants.set(link.customerId, [...(claimants.get(link.customerId) ?? []), link.billableId]);
    for (const link of proposed) {
      if (claimants.get(link.customerId)!.length > 1) {
        result.ambiguous.push({ billableId: link.billableId, customerIds: [link.customerId] });
      } else if ((await this.store.findByCustomerId(link.customerId)) || (options.apply && !(await this.link(link)))) {
        result.taken.push(link);
      } else {
        result.links.push(link);
      }
    }
    if (options.apply) for (const link of result.links) await this.resync(link.billableId);
    this.logger.log(`customers:link by ${by}${options.apply ? '' : ' (dry run)'}: ${result.links.length} links, ${result.ambiguous.length} ambiguous, ${result.taken.length} taken.`);
    return result;
  }

  /** Writes one link under the billable's row lock, if it still has no customer and nobody else has this one. */
  private link(link: CustomerLink): Promise<boolean> {
    return this.transactions.run(async (tx) => {
      const billable = await this.store.lockById(tx, link.billableId);
      if (!billable || billable.stripeCustomerId) return false;
      if (await this.store.findByCustomerId(link.customerId, tx.manager)) return false;
      await this.store.writeState(tx, billable, { stripeCustomerId: link.customerId });
      return true;
    });
  }

  /** Visits the billables matching `where`, page by page in id order. */
  private async eachBillable(where: object, visit: (billable: Billable, billableId: string) => Promise<void>): Promise<void> {
    const repo = this.store.repository();
    const idColumn = this.store.idProperty;
    for (let skip = 0; ; skip += PAGE) {
      const page = await repo.find({ where, order: { [idColumn]: 'ASC' }, skip, take: PAGE });
      for (const billable of page) await visit(billable, this.store.idOf(billable));
      if (page.length < PAGE) break;
    }
  }

  /** Runs an event fetched from Stripe through the pipeline unless the inbox completed it. */
  private async runFetched(event: Stripe.Event): Promise<ReplayResult> {
    const claim = await this.inbox.claim(event);
    if (!claim.claimed) {
      return { id: event.id, outcome: isDoneEventStatus(claim.status) ? 'duplicate' : 'in_progress' };
    }
    try {
      return { id: event.id, outcome: await this.processor.run(event) };
    } catch (error) {
      const reason = describeError(error);
      this.logger.warn(`Replay of ${event.type} ${event.id} failed; it stays retryable: ${reason}`);
      return { id: event.id, outcome: 'failed', error: reason };
    }
  }
}
