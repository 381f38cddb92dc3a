import { Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { ResolvedPaymentsOptions } from '../../payments.options';

/** The Stripe mode a key works in, or null when it cannot be told (no key: an injected client). */
export type StripeMode = 'test' | 'live';

/** `sk_live_`/`rk_live_` are live, `sk_test_`/`rk_test_` test; anything else is unknown (null). */
export function keyMode(secretKey: string | undefined): StripeMode | null {
  if (!secretKey) return null;
  if (/^(sk|rk)_live_/.test(secretKey)) return 'live';
  if (/^(sk|rk)_test_/.test(secretKey)) return 'test';
  return null;
}

/**
 * Keeps test events out of a live ledger and the other way round: an event whose `livemode`
 * differs from the configured key's mode is acknowledged (so Stripe stops sending it) and ignored.
 * With `webhook.acceptBothModes`, or when the mode cannot be told, every mode passes.
 */
export class EventModePolicy {
  private readonly logger = new Logger('Payments:Webhooks');
  /** The one mode accepted, or null for both. */
  readonly mode: StripeMode | null;

  constructor(private readonly options: ResolvedPaymentsOptions) {
    this.mode = options.webhook.acceptBothModes ? null : keyMode(options.secretKey);
  }

  /** Called once at start-up: an injected client hides its key, so say how to get the check rather than guess a mode. */
  explainUnknownMode(): void {
    if (!this.options.webhook.acceptBothModes && this.mode === null) {
      this.logger.warn('Webhook events of both test and live mode are accepted: the mode is read from secretKey, which is not set (or not sk_/rk_test_/live_); pass secretKey with stripeClient, or set webhook.acceptBothModes: true to silence this.');
    }
  }

  /** True when the event belongs to the configured mode; otherwise logs one line and answers false. */
  accepts(event: Stripe.Event): boolean {
    if (this.mode === null) return true;
    const eventMode: StripeMode = event.livemode === true ? 'live' : 'test';
    if (eventMode === this.mode) return true;
    this.logger.log(`Ignored ${event.type} ${event.id}: a ${eventMode}-mode event, and this app uses a ${this.mode}-mode key (webhook.acceptBothModes accepts both).`);
    return false;
  }
}
