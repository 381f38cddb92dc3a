import Stripe from 'stripe';
import { ApiRouter } from '../api-router';
import { listResponse } from '../list-helpers';
import { missing } from '../stripe-api.error';
import { FakeStore } from '../fake-store';
import { WebhookDeliverer, WebhookEndpoint } from '../webhook-deliverer';

/** Stripe's webhook endpoint object for one the fake delivers to (its secret is never listed, as at Stripe). */
function endpointObject(endpoint: WebhookEndpoint): object {
  return {
    id: endpoint.id,
    object: 'webhook_endpoint',
    api_version: endpoint.apiVersion === undefined ? (Stripe as unknown as { API_VERSION: string }).API_VERSION : endpoint.apiVersion,
    application: null,
    created: endpoint.created ?? 0,
    description: null,
    enabled_events: endpoint.enabledEvents ?? ['*'],
    livemode: false,
    metadata: {},
    status: 'enabled',
    url: endpoint.url,
  };
}

/** `GET /v1/webhook_endpoints[/:id]`: the endpoints registered with `addWebhookEndpoint`. */
export function webhookEndpointRoutes(router: ApiRouter, endpoints: () => readonly WebhookEndpoint[]): void {
  router.add('GET', '/v1/webhook_endpoints', ({ params }) => listResponse(endpoints().map(endpointObject) as { id: string }[], params, '/v1/webhook_endpoints'));
  router.add('GET', '/v1/webhook_endpoints/:id', ({ ids }) => {
    const endpoint = endpoints().find((e) => e.id === ids[0]);
    if (!endpoint) throw missing('webhook_endpoint', ids[0]);
    return endpointObject(endpoint);
  });
}

/** `GET /v2/core/events/:id` (v2 takes no expand): serves the thin notifications the fake sends. */
export function thinEventRoutes(router: ApiRouter, store: FakeStore, deliverer: WebhookDeliverer): void {
  router.add('GET', '/v2/core/events/:id', ({ ids }) => {
    const snapshotId = deliverer.snapshotOf(ids[0]);
    const event = snapshotId ? store.events.find((e) => e.id === snapshotId) : undefined;
    if (!event) throw missing('event', ids[0]);
    return deliverer.thinFor(event);
  });
}
