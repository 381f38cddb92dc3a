import type Stripe from 'stripe';
import type { ThinEventPayload } from '../thin/thin-event.types';

/** The queue kind of webhook events in queued mode. */
export const WEBHOOK_WORK_KIND = 'webhook';

/**
 * A queued event: the verified event itself; or (too big for the queue's column) its id, to fetch
 * from Stripe; or the verified thin notification, whose related object the worker fetches (the
 * route makes no Stripe call).
 */
export type WebhookWorkPayload = { event: Stripe.Event } | { eventId: string; type: string } | { thin: ThinEventPayload };

// MySQL/MariaDB TEXT holds 65,535 bytes; Stripe events are rarely above a few kB, but may reach ~600 kB.
const MYSQL_PAYLOAD_BYTES = 60_000;

/** The work item's payload of an event; on MySQL/MariaDB an event too big for TEXT is kept by id (fetched again by the worker). */
export function webhookWorkPayload(event: Stripe.Event, mysql: boolean): WebhookWorkPayload {
  if (mysql && Buffer.byteLength(JSON.stringify(event)) > MYSQL_PAYLOAD_BYTES) return { eventId: event.id, type: event.type };
  return { event };
}

/**
 * The queue's order key of an event: the Stripe customer it is about (a billable has one customer),
 * so two events of one billable never run at once and run in arrival order. Read from the payload
 * alone, so the acknowledgement costs no lookup; an event with no customer is ordered by its object.
 * A thin notification does not name the customer, so it is ordered by its related object (events of
 * one subscription or invoice in order); its runs fetch the object's current state and apply it under
 * the billable's row lock only if newer, so two of one customer running at once still end right.
 */
export function webhookOrderKey(event: Stripe.Event): string | undefined {
  const object = (event.data?.object ?? {}) as { id?: unknown; object?: unknown; customer?: unknown };
  const customer = object.object === 'customer' ? object.id : object.customer;
  const customerId = typeof customer === 'string' ? customer : typeof (customer as { id?: unknown })?.id === 'string' ? (customer as { id: string }).id : null;
  if (customerId) return customerId;
  return typeof object.id === 'string' ? object.id : undefined;
}
