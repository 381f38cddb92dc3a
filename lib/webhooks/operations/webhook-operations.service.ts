import { Injectable, Logger } from '@nestjs/common';
import { Not, IsNull } from 'typeorm';
import { WebhookEventEntity } from '../../persistence/entities/webhook-event.entity';
import { BillableStore } from '../../persistence/billable-store';
import { StripeGateway } from '../../stripe/stripe-gateway.service';
import { describeError, WebhookInbox } from '../inbox/webhook-inbox.service';
import { BillingSyncService } from '../sync/billing-sync.service';
import { DeliveryOutcome, WebhookProcessor } from '../webhook-processor.service';

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
 * events, replay them through the same pipeline, resync billables from Stripe.
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
  ) {}

  /** Inbox events that failed or were abandoned mid-way (their lease expired), oldest first. */
  failedEvents(): Promise<WebhookEventEntity[]> {
    return this.inbox.failed();
  }

  /** Re-fetches an event from Stripe (`events.retrieve`) and runs it through the pipeline; processed events are not run again. */
  async replay(eventId: string): Promise<ReplayResult> {
    const event = await this.gateway.find('events.retrieve', (s) => s.events.retrieve(eventId));
    if (!event) return { id: eventId, outcome: 'not_found' };
    const claim = await this.inbox.claim(event);
    if (!claim.claimed) {
      return { id: eventId, outcome: claim.status === 'processed' || claim.status === 'ignored' ? 'duplicate' : 'in_progress' };
    }
    try {
      return { id: eventId, outcome: await this.processor.run(event) };
    } catch (error) {
      const reason = describeError(error);
      this.logger.warn(`Replay of ${event.type} ${eventId} failed; it stays retryable: ${reason}`);
      return { id: eventId, outcome: 'failed', error: reason };
    }
  }

  /** Replays every failed event, one after the other. */
  async replayAllFailed(): Promise<ReplayResult[]> {
    const results: ReplayResult[] = [];
    for (const row of await this.failedEvents()) results.push(await this.replay(row.id));
    return results;
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
    const repo = this.store.repository();
    const idColumn = this.store.idProperty;
    for (let skip = 0; ; skip += PAGE) {
      const page = await repo.find({ where: { stripeCustomerId: Not(IsNull()) }, order: { [idColumn]: 'ASC' }, skip, take: PAGE });
      for (const billable of page) {
        const one = await this.resync(this.store.idOf(billable));
        result.synced += one.synced;
        result.failed.push(...one.failed);
      }
      if (page.length < PAGE) break;
    }
    this.logger.log(`Resynced ${result.synced} billables, ${result.failed.length} failed.`);
    return result;
  }
}
