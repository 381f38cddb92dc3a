import type Stripe from 'stripe';

import { CURRENT_API_VERSION } from '../api-versions';

export const FAKE_API_VERSION = CURRENT_API_VERSION;

export interface EventInput {
  id: string;
  type: string;
  created: number;
  object: object;
  previousAttributes?: Record<string, unknown>;
  requestId?: string | null;
  idempotencyKey?: string | null;
  pendingWebhooks?: number;
}

/** An event in Stripe's envelope; `data.object` is a snapshot taken when the event is built. */
export function buildEvent(input: EventInput): Stripe.Event {
  const data: Record<string, unknown> = { object: structuredClone(input.object) };
  if (input.previousAttributes) data.previous_attributes = structuredClone(input.previousAttributes);
  const event = {
    api_version: FAKE_API_VERSION,
    created: input.created,
    data,
    id: input.id,
    livemode: false,
    object: 'event',
    pending_webhooks: input.pendingWebhooks ?? 0,
    request: { id: input.requestId ?? null, idempotency_key: input.idempotencyKey ?? null },
    type: input.type,
  };
  return event as unknown as Stripe.Event;
}
