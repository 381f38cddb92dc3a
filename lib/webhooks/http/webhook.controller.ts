import { Controller, HttpCode, Inject, Logger, Post, Req, UseFilters } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type Stripe from 'stripe';
import { DocPublicRoutes } from '../../common/api-docs';
import { httpPlatform } from '../../common/http-reply';
import { PaymentsException } from '../../common/payments.exception';
import { PAYMENTS_OPTIONS } from '../../payments.constants';
import { ResolvedPaymentsOptions } from '../../payments.options';
import { verifyStripeSignature } from '../signature/stripe-signature.verifier';
import { DeliveryOutcome, WebhookProcessor } from '../webhook-processor.service';
import { PaymentsPublic } from './payments-public.decorator';
import { readRawBody } from './raw-body.reader';
import { DocWebhook } from './webhook.api-docs';
import { WebhookExceptionFilter } from './webhook-exception.filter';

/** Body of a 2xx answer: sent only after the event's transaction committed. */
export interface WebhookAnswer {
  received: true;
  outcome: DeliveryOutcome;
}

/**
 * `POST /<routePath>/webhook`: Stripe's deliveries. Reads the raw body itself (no DTO, so the
 * app's ValidationPipe has nothing to do), is marked public for the app's guards, and has its own
 * exception filter so Stripe always sees 400 (bad signature), 413, 409 (in progress) or 500.
 */
@Controller()
@UseFilters(WebhookExceptionFilter)
@DocPublicRoutes()
export class WebhookController {
  private readonly logger = new Logger('Payments:Webhooks');

  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly processor: WebhookProcessor,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Post('webhook')
  @HttpCode(200)
  @PaymentsPublic()
  @DocWebhook()
  async receive(@Req() req: unknown): Promise<WebhookAnswer> {
    if (this.options.webhookSecrets.length === 0) {
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
    const event = parseEvent(raw);
    try {
      return { received: true, outcome: await this.processor.process(event) };
    } catch (error) {
      if (error instanceof PaymentsException && error.code === 'webhook_in_progress') throw error;
      // Whatever went wrong (a handler, Stripe, the database), Stripe must retry: 5xx, no details.
      throw new PaymentsException(500, 'webhook_failed', 'Webhook processing failed; it will be retried.');
    }
  }
}

/** The signed body as an event; a signed body that is not an event is refused (400), never processed. */
function parseEvent(raw: Buffer): Stripe.Event {
  let event: Stripe.Event;
  try {
    event = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new PaymentsException(400, 'invalid_request', 'Webhook body is not JSON.');
  }
  if (!event || typeof event !== 'object' || typeof event.id !== 'string' || !event.id || typeof event.type !== 'string' || !event.data || typeof event.data.object !== 'object') {
    throw new PaymentsException(400, 'invalid_request', 'Webhook body is not a Stripe event.');
  }
  return event;
}
