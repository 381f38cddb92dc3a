import { applyDecorators } from '@nestjs/common';
import { DocBody, DocErrors, DocHeader, DocOperation, DocProperty, DocResponse } from '../../common/api-docs';

// The OpenAPI description of `POST /webhook` (no-ops without @nestjs/swagger): Stripe calls it,
// signed, so it is public and takes Stripe's event as the raw JSON body.

/** A 2xx answer of the webhook. */
export class WebhookAnswerModel {
  @DocProperty({ enum: [true] })
  received!: true;
  @DocProperty({ enum: ['processed', 'ignored', 'duplicate'] })
  outcome!: string;
}

/** `POST /webhook`. */
export const DocWebhook = (): MethodDecorator =>
  applyDecorators(
    DocOperation({ summary: "Stripe's event deliveries (signed; not for browsers)" }),
    DocHeader({ name: 'stripe-signature', required: true, description: 'Stripe-Signature header over the exact body bytes.' }),
    DocBody({ description: 'A Stripe event, as Stripe sent it.', schema: { type: 'object', required: ['id', 'type', 'data'] } }),
    DocResponse({ status: 200, description: 'Stored and processed, ignored or a duplicate', type: WebhookAnswerModel }),
    DocErrors({
      400: ['invalid_signature', 'invalid_request'],
      409: ['webhook_in_progress'],
      413: ['payload_too_large'],
      500: ['webhook_failed', 'webhook_not_configured', 'raw_body_missing'],
    }),
  );
