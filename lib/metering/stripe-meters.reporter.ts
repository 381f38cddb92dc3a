import { Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { UsageReport, UsageReporter, UsageReportOutcome } from './usage-reporter';

/** How long to wait after a 429 when Stripe gives no hint. */
const RATE_LIMIT_PAUSE_MS = 2000;

/**
 * The built-in `UsageReporter`: one v1 `POST /v1/billing/meter_events` per aggregate, with the
 * window's deterministic `identifier` (Stripe keeps identifiers for at least 24 h) and the same
 * value as the Stripe idempotency key (a lost answer replays instead of erroring). Totals for
 * reconciliation come from the meter's event summaries.
 */
export class StripeMetersReporter implements UsageReporter {
  private readonly logger = new Logger('Payments:Metering');
  /** Meter ids by event name (summaries are read per meter id). */
  private meterIds: Map<string, string> | null = null;

  constructor(private readonly stripe: Stripe) {}

  async report(usage: UsageReport): Promise<UsageReportOutcome> {
    try {
      await this.stripe.billing.meterEvents.create(
        {
          event_name: usage.meter,
          identifier: usage.identifier,
          timestamp: usage.timestamp,
          payload: { stripe_customer_id: usage.customerId, value: String(usage.value) },
        },
        { idempotencyKey: `meter-event:${usage.identifier}` },
      );
      return { kind: 'sent' };
    } catch (error) {
      return this.outcomeOf(error, usage);
    }
  }

  async totals(meter: string, customerId: string, start: Date, end: Date): Promise<number | null> {
    const meterId = await this.meterId(meter);
    if (!meterId) return null;
    let total = 0;
    // Summaries need minute-aligned bounds; callers pass window bounds, which are.
    for await (const summary of this.stripe.billing.meters.listEventSummaries(meterId, {
      customer: customerId,
      start_time: Math.floor(start.getTime() / 1000),
      end_time: Math.floor(end.getTime() / 1000),
      limit: 100,
    })) {
      total += summary.aggregated_value;
    }
    return total;
  }

  /** The meter's id, from a cached listing (refreshed once when the name is unknown). */
  async meterId(eventName: string): Promise<string | null> {
    for (const fresh of [false, true]) {
      if (!this.meterIds || fresh) {
        const ids = new Map<string, string>();
        for await (const meter of this.stripe.billing.meters.list({ status: 'active', limit: 100 })) ids.set(meter.event_name, meter.id);
        this.meterIds = ids;
      }
      const id = this.meterIds.get(eventName);
      if (id) return id;
    }
    return null;
  }

  private outcomeOf(error: unknown, usage: UsageReport): UsageReportOutcome {
    const err = error as { statusCode?: number; code?: string; param?: string; headers?: Record<string, string> };
    if (err.code === 'duplicate_meter_event') return { kind: 'sent' };
    if (err.statusCode === 429) {
      const hinted = Number(err.headers?.['retry-after']);
      return { kind: 'slow_down', retryAt: new Date(Date.now() + (hinted > 0 ? hinted * 1000 : RATE_LIMIT_PAUSE_MS)) };
    }
    if (err.statusCode === 400 || err.statusCode === 404) {
      const reason = err.param === 'event_name' ? 'unknown_meter' : err.param === 'timestamp' ? 'outside_backdating_limit' : err.param?.startsWith('payload') ? 'invalid_payload' : 'invalid_request';
      this.logger.error(`meter event ${usage.identifier} refused by Stripe (${reason}); the window is flagged for the CLI and health check`);
      return { kind: 'rejected', reason };
    }
    // 5xx, timeouts, connection errors: the queue retries with the same identifier.
    throw error;
  }
}
