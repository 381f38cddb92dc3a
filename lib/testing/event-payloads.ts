import type Stripe from 'stripe';
import { renderForVersion } from './api-versions';

/** Where a thin event's `related_object.url` points, by the object's type. */
const RETRIEVE_PATHS: Record<string, string> = {
  customer: '/v1/customers',
  subscription: '/v1/subscriptions',
  subscription_schedule: '/v1/subscription_schedules',
  invoice: '/v1/invoices',
  'checkout.session': '/v1/checkout/sessions',
  price: '/v1/prices',
  product: '/v1/products',
  'test_helpers.test_clock': '/v1/test_helpers/test_clocks',
};

/** An event as an endpoint pinned to `version` receives it: `api_version` and `data` in that version. */
export function renderEvent(event: Stripe.Event, version: string): Stripe.Event {
  const rendered = renderForVersion(event, version);
  return rendered === event ? { ...event, api_version: version } : Object.assign(rendered, { api_version: version });
}

/** The `v2.core.event` an event destination with thin payloads receives for a v1 event. */
export interface ThinEventNotification {
  id: string;
  object: 'v2.core.event';
  type: string;
  created: string;
  livemode: boolean;
  context: null;
  related_object: { id: string; type: string; url: string } | null;
  reason: { type: 'request'; request: { id: string; idempotency_key: string | null } } | null;
  /** The snapshot (v1) event this notification stands for. */
  snapshot_event: string;
}

/**
 * The thin twin of a v1 event: unversioned, no object data, a `related_object` to fetch, the type
 * prefixed with `v1.`, `created` as an RFC 3339 string (as v2 APIs write times).
 */
export function thinNotification(event: Stripe.Event, thinId: string): ThinEventNotification {
  const object = event.data.object as unknown as { id?: string; object?: string };
  const base = object.object ? RETRIEVE_PATHS[object.object] : undefined;
  const request = event.request as { id: string | null; idempotency_key: string | null } | null;
  return {
    id: thinId,
    object: 'v2.core.event',
    type: `v1.${event.type}`,
    created: new Date(event.created * 1000).toISOString(),
    livemode: false,
    context: null,
    related_object: base && object.id && object.object ? { id: object.id, type: object.object, url: `${base}/${object.id}` } : null,
    reason: request?.id ? { type: 'request', request: { id: request.id, idempotency_key: request.idempotency_key } } : null,
    snapshot_event: event.id,
  };
}
