/** A thin event notification as an event destination sends it (`object: 'v2.core.event'`). */
export interface ThinEventPayload {
  id: string;
  object: 'v2.core.event';
  /** `v1.<snapshot type>` for events of the v1 API, e.g. `v1.customer.subscription.updated`. */
  type: string;
  /** RFC 3339 time. */
  created: string;
  livemode: boolean;
  context?: string | null;
  related_object?: { id: string; type: string; url: string } | null;
  reason?: { type?: string; request?: { id?: string | null; idempotency_key?: string | null } } | null;
  /** The snapshot event this notification stands for, when there is one. */
  snapshot_event?: string | null;
}

/** True for a signed body that is a thin event notification rather than a snapshot event. */
export function isThinEventPayload(body: unknown): body is ThinEventPayload {
  return !!body && typeof body === 'object' && (body as { object?: unknown }).object === 'v2.core.event';
}
