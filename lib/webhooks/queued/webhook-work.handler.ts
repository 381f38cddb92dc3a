import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type Stripe from 'stripe';
import { WorkItem, WorkResult } from '../../queue/work-queue.contract';
import { WorkQueue } from '../../queue/work-queue.service';
import { describeError } from '../../common/describe-error';
import { RunOptions, WebhookProcessor } from '../webhook-processor.service';
import { StripeGateway } from '../../stripe/stripe-gateway.service';
import { ThinEventResolver } from '../thin/thin-event.resolver';
import { WEBHOOK_WORK_KIND, WebhookWorkPayload } from './webhook-work-item';

/** Runs of one event before it stays `failed` (listed by events:failed, replayable). */
export const WEBHOOK_MAX_ATTEMPTS = 8;

/**
 * The queue's handler of webhook events (queued mode): the same pipeline as an inline delivery —
 * re-fetch from Stripe with no transaction open, then one transaction that locks the inbox row,
 * applies if newer, runs the app's handlers and marks the event processed. Registered in both
 * modes, so events queued before a switch to inline still drain.
 */
@Injectable()
export class WebhookWorkHandler implements OnModuleInit {
  private readonly logger = new Logger('Payments:Webhooks');

  constructor(
    private readonly queue: WorkQueue,
    private readonly processor: WebhookProcessor,
    private readonly gateway: StripeGateway,
    private readonly thin: ThinEventResolver,
  ) {}

  onModuleInit(): void {
    this.queue.register({ kind: WEBHOOK_WORK_KIND, maxAttempts: WEBHOOK_MAX_ATTEMPTS, run: (item) => this.run(item as WorkItem<WebhookWorkPayload>) });
  }

  async run(item: WorkItem<WebhookWorkPayload>): Promise<WorkResult> {
    const { id, type } = this.subjectOf(item.payload);
    const options: RunOptions = { worker: { willRetry: item.attempt < WEBHOOK_MAX_ATTEMPTS, finishIn: item.finishIn } };
    try {
      await this.processor.run(await this.eventOf(id, item.payload, options), options);
      return 'done';
    } catch (error) {
      const reason = describeError(error).replace(/\.$/, '');
      // A retry is routine (warn); the last failure is the operator's to act on (error).
      if (options.worker?.willRetry) this.logger.warn(`Webhook ${type} ${id} failed (attempt ${item.attempt} of ${WEBHOOK_MAX_ATTEMPTS}), the queue retries it: ${reason}.`);
      else this.logger.error(`Webhook ${type} ${id} failed after ${item.attempt} attempts: ${reason}; see events:failed, run events:replay ${id}.`);
      throw error;
    }
  }

  /** The inbox id and type of a queued event, read from the payload (no Stripe call). */
  private subjectOf(payload: WebhookWorkPayload): { id: string; type: string } {
    if ('event' in payload) return payload.event;
    if ('thin' in payload) return this.thin.envelope(payload.thin);
    return { id: payload.eventId, type: payload.type };
  }

  /**
   * The event to run. Reading it may need Stripe (a thin notification's object, an event queued by
   * id); a failure there is recorded in the inbox as a run's would be (retrying, then `failed`).
   */
  private async eventOf(id: string, payload: WebhookWorkPayload, options: RunOptions): Promise<Stripe.Event> {
    if ('event' in payload) return payload.event;
    try {
      if ('thin' in payload) return await this.thin.resolve(payload.thin);
      const event = await this.gateway.find('events.retrieve', (s) => s.events.retrieve(payload.eventId));
      if (!event) throw new Error(`event ${payload.eventId} is no longer at Stripe (kept 30 days)`);
      return event;
    } catch (error) {
      await this.processor.recordFailure(id, error, options);
      throw error;
    }
  }
}
