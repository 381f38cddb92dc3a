import { Inject, Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { STRIPE_CLIENT } from '../payments.constants';
import { clientApiVersion } from './stripe-client.factory';

/**
 * Notices events rendered in another API version than the client's (a webhook endpoint pinned to
 * an older or newer version). The built-in sync re-fetches objects with the client, so billing state
 * stays right; `@OnStripeEvent` handlers, though, see the endpoint's shapes. Said once per type.
 */
@Injectable()
export class ApiVersionMonitor {
  private readonly logger = new Logger('Payments:Webhooks');
  private readonly reported = new Set<string>();
  private readonly expected: string | null;

  constructor(@Inject(STRIPE_CLIENT) stripe: Stripe) {
    this.expected = clientApiVersion(stripe);
  }

  /** Logs the first event of each type whose `api_version` is not the client's; true when it differs. */
  observe(event: Pick<Stripe.Event, 'type' | 'api_version'>): boolean {
    const version = event.api_version;
    if (!version || !this.expected || version === this.expected) return false;
    const key = `${event.type} ${version}`;
    if (!this.reported.has(key)) {
      this.reported.add(key);
      this.logger.warn(
        `${event.type} events arrive in API version ${version} but the Stripe client uses ${this.expected}: billing state stays right (it is re-fetched), ` +
          `but @OnStripeEvent handlers see ${version} shapes; set the webhook endpoint's API version to ${this.expected}.`,
      );
    }
    return true;
  }
}
