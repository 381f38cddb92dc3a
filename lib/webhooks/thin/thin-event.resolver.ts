import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { PaymentsException } from '../../common/payments.exception';
import { WEBHOOK_EVENT_ID_LENGTH, WEBHOOK_EVENT_TYPE_LENGTH } from '../../persistence/entities/webhook-event.entity';
import { clientApiVersion } from '../../stripe/stripe-client.factory';
import { StripeGateway } from '../../stripe/stripe-gateway.service';
import { ThinEventPayload } from './thin-event.types';

const V1_PREFIX = 'v1.';

/**
 * Turns a verified thin `v1.*` notification into the snapshot-shaped event the pipeline runs:
 * the related object is fetched with the package's client (so it is in the package's version and
 * current), and the event keeps the snapshot event's id when Stripe names it, so a change delivered
 * both ways (while switching destinations) is processed once.
 */
@Injectable()
export class ThinEventResolver {
  constructor(private readonly gateway: StripeGateway) {}

  /** The notification if it can become an event; 400 otherwise (never processed). */
  validate(thin: ThinEventPayload): ThinEventPayload {
    if (typeof thin.id !== 'string' || !thin.id || typeof thin.type !== 'string' || !thin.type.startsWith(V1_PREFIX)) {
      throw new PaymentsException(400, 'invalid_request', 'Webhook body is not a v1 thin event notification.');
    }
    if (thin.snapshot_event != null && (typeof thin.snapshot_event !== 'string' || !thin.snapshot_event)) {
      throw new PaymentsException(400, 'invalid_request', 'Thin event has an invalid snapshot_event.');
    }
    // The same limits as a snapshot event's (the inbox columns), checked before anything is stored.
    if (eventIdOf(thin).length > WEBHOOK_EVENT_ID_LENGTH || thin.type.length - V1_PREFIX.length > WEBHOOK_EVENT_TYPE_LENGTH) {
      throw new PaymentsException(400, 'invalid_request', `Webhook event id or type is too long (at most ${WEBHOOK_EVENT_ID_LENGTH} and ${WEBHOOK_EVENT_TYPE_LENGTH} characters).`);
    }
    const related = thin.related_object;
    // The URL is from a signed body, but only a v1 retrieve path is ever requested with our key.
    if (related && (typeof related.id !== 'string' || typeof related.type !== 'string' || typeof related.url !== 'string' || !/^\/v1\/[\w./-]+$/.test(related.url))) {
      throw new PaymentsException(400, 'invalid_request', 'Thin event has an unexpected related_object.');
    }
    return thin;
  }

  /**
   * The event a notification stands for, read from the notification alone (no Stripe call): its
   * `data.object` holds only the related object's id and type. Queued mode commits and orders the
   * event by it; the worker resolves it before running it.
   */
  envelope(thin: ThinEventPayload): Stripe.Event {
    const related = thin.related_object;
    return this.event(thin, related ? { id: related.id, object: related.type } : {});
  }

  /** The event to process: the related object fetched now (a Stripe failure makes the delivery, or the queued run, retry). */
  async resolve(thin: ThinEventPayload): Promise<Stripe.Event> {
    const related = thin.related_object;
    const object = related ? await this.gateway.call('thin.related_object', (s) => s.rawRequest('GET', related.url) as Promise<unknown>) : {};
    return this.event(thin, withoutResponse(object));
  }

  private event(thin: ThinEventPayload, object: object): Stripe.Event {
    const created = Date.parse(thin.created);
    const event = {
      id: eventIdOf(thin),
      object: 'event',
      type: thin.type.slice(V1_PREFIX.length),
      api_version: clientApiVersion(this.gateway.stripe),
      created: Number.isFinite(created) ? Math.floor(created / 1000) : Math.floor(Date.now() / 1000),
      livemode: thin.livemode === true,
      pending_webhooks: 0,
      request: { id: thin.reason?.request?.id ?? null, idempotency_key: thin.reason?.request?.idempotency_key ?? null },
      data: { object },
    };
    return event as unknown as Stripe.Event;
  }
}

/** The inbox key of a notification: its snapshot event's id when Stripe names one, so both kinds of delivery dedupe together. */
function eventIdOf(thin: ThinEventPayload): string {
  return thin.snapshot_event || thin.id;
}

/** The SDK attaches the HTTP response to what it returns; the event carries only the object. */
function withoutResponse(object: unknown): object {
  if (!object || typeof object !== 'object') return {};
  const { lastResponse: _ignored, ...rest } = object as Record<string, unknown>;
  return rest;
}
