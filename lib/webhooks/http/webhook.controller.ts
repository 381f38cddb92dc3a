import { Controller, HttpCode, Inject, Logger, OnApplicationBootstrap, Post, Req, UseFilters } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type Stripe from 'stripe';
import { DocPublicRoutes } from '../../common/api-docs';
import { httpPlatform } from '../../common/http-reply';
import { PaymentsException } from '../../common/payments.exception';
import { PAYMENTS_OPTIONS } from '../../payments.constants';
import { ResolvedPaymentsOptions } from '../../payments.options';
import { WEBHOOK_EVENT_ID_LENGTH, WEBHOOK_EVENT_TYPE_LENGTH } from '../../persistence/entities/webhook-event.entity';
import { ApiVersionMonitor } from '../../stripe/api-version.monitor';
import { describeError } from '../../common/describe-error';
import { verifyStripeSignature } from '../signature/stripe-signature.verifier';
import { ThinEventResolver } from '../thin/thin-event.resolver';
import { isThinEventPayload, ThinEventPayload } from '../thin/thin-event.types';
import { WebhookIntake } from '../queued/webhook-intake.service';
import { DeliveryOutcome, WebhookProcessor } from '../webhook-processor.service';
import { EventModePolicy } from './event-mode.policy';
import { PaymentsPublic } from './payments-public.decorator';
import { readRawBody } from './raw-body.reader';
import { DocWebhook } from './webhook.api-docs';
import { WebhookExceptionFilter } from './webhook-exception.filter';

/** Body of a 2xx answer: sent only after the event's transaction committed (processed inline, or queued for the workers). */
export interface WebhookAnswer {
  received: true;
  outcome: DeliveryOutcome;
}

/** A verified delivery: the event, and for a thin notification in queued mode the notification (its event is then an unfetched envelope). */
interface VerifiedDelivery {
  event: Stripe.Event;
  thin?: ThinEventPayload;
}

/**
 * `POST /<routePath>/webhook`: Stripe's deliveries. Reads the raw body itself (no DTO, so the
 * app's ValidationPipe has nothing to do), is marked public for the app's guards, and has its own
 * exception filter so Stripe always sees 400 (bad signature), 413, 409 (in progress) or 500. In
 * queued mode (the default) it answers once the event is committed for the work queue (`webhook.processing`).
 * Events of the other Stripe mode (test/live) are acknowledged and ignored.
 */
@Controller()
@UseFilters(WebhookExceptionFilter)
@DocPublicRoutes()
export class WebhookController implements OnApplicationBootstrap {
  private readonly logger = new Logger('Payments:Webhooks');
  private readonly modes: EventModePolicy;

  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly processor: WebhookProcessor,
    private readonly intake: WebhookIntake,
    private readonly thin: ThinEventResolver,
    private readonly versions: ApiVersionMonitor,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.modes = new EventModePolicy(options);
  }

  onApplicationBootstrap(): void {
    this.modes.explainUnknownMode();
  }

  @Post('webhook')
  @HttpCode(200)
  @PaymentsPublic()
  @DocWebhook()
  async receive(@Req() req: unknown): Promise<WebhookAnswer> {
    let event: Stripe.Event | null = null;
    try {
      const delivery = await this.verifiedDelivery(req);
      event = delivery.event;
      if (!this.modes.accepts(event)) return { received: true, outcome: 'ignored' };
      this.versions.observe(event);
      const outcome = this.queued ? await this.intake.accept(event, delivery.thin) : await this.processor.process(event);
      return { received: true, outcome };
    } catch (error) {
      throw this.failure(error, event);
    }
  }

  private get queued(): boolean {
    return this.options.webhook.processing === 'queued';
  }

  private async verifiedDelivery(req: unknown): Promise<VerifiedDelivery> {
    if (this.options.webhookSecrets.length === 0) {
      this.logger.error('Webhook refused: webhookSecret is not configured; set webhookSecret (STRIPE_WEBHOOK_SECRET) in the PaymentsModule options.');
      throw new PaymentsException(500, 'webhook_not_configured', 'Webhook secret not configured; set webhookSecret (STRIPE_WEBHOOK_SECRET).');
    }
    const raw = await readRawBody(req, this.options.webhook.maxBodyBytes, httpPlatform(this.adapterHost));
    const check = verifyStripeSignature({
      rawBody: raw,
      header: (req as { headers: Record<string, string | string[] | undefined> }).headers['stripe-signature'],
      secrets: this.options.webhookSecrets,
      toleranceSeconds: this.options.webhook.toleranceSeconds,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    if (!check.ok) {
      this.logger.log(`Webhook refused: ${check.reason}`);
      throw new PaymentsException(400, 'invalid_signature', 'Invalid webhook signature.');
    }
    const body = parseJson(raw);
    // Thin notifications (event destinations) become the same event, fetched; then one pipeline.
    if (isThinEventPayload(body)) {
      const thin = this.thin.validate(body);
      // Queued mode keeps Stripe out of the request: the notification is committed as it is, and
      // the worker fetches its object.
      if (this.queued) return { event: this.thin.envelope(thin), thin };
      return { event: await this.thin.resolve(thin) };
    }
    return { event: parseEvent(body) };
  }

  /**
   * The answer to a failed delivery. A 4xx passes as it is; anything else is a 5xx so that Stripe
   * retries, with no details for the caller and exactly one error line for the operator, naming
   * the event (when it was read) so it can be found and replayed even if nothing reached the inbox.
   */
  private failure(error: unknown, event: Stripe.Event | null): PaymentsException {
    if (error instanceof PaymentsException && error.getStatus() < 500) return error;
    const answer = error instanceof PaymentsException ? error : new PaymentsException(500, 'webhook_failed', 'Webhook processing failed; it will be retried.');
    // Already said in its own sentence, once per refused delivery.
    if (answer.code === 'webhook_not_configured') return answer;
    const subject = event ? `${event.type} ${event.id}` : 'delivery';
    const reason = (error === answer ? answer.message : describeError(error)).replace(/\.$/, '');
    const replay = event ? `; Stripe retries it, or run events:replay ${event.id}` : '';
    this.logger.error(`Webhook ${subject} answered ${answer.getStatus()} ${answer.code}: ${reason}${replay}.`);
    return answer;
  }
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new PaymentsException(400, 'invalid_request', 'Webhook body is not JSON.');
  }
}

/**
 * The signed body as an event; a signed body that is not an event is refused (400), never
 * processed. Id and type must fit their inbox columns: checked here so every database answers the
 * same 400 (PostgreSQL would fail the insert, MariaDB or SQLite might truncate or keep it).
 */
function parseEvent(body: unknown): Stripe.Event {
  const event = body as Stripe.Event;
  if (!event || typeof event !== 'object' || typeof event.id !== 'string' || !event.id || typeof event.type !== 'string' || !event.data || typeof event.data.object !== 'object') {
    throw new PaymentsException(400, 'invalid_request', 'Webhook body is not a Stripe event.');
  }
  if (event.id.length > WEBHOOK_EVENT_ID_LENGTH || event.type.length > WEBHOOK_EVENT_TYPE_LENGTH) {
    throw new PaymentsException(400, 'invalid_request', `Webhook event id or type is too long (at most ${WEBHOOK_EVENT_ID_LENGTH} and ${WEBHOOK_EVENT_TYPE_LENGTH} characters).`);
  }
  return event;
}
