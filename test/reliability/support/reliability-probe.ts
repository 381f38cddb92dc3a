import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { BillingEvent, OnBillingEvent, OnStripeEvent, WebhookHandlerContext } from '../../../lib';

/** One typed billing event as seen by the app, kept for the "status never goes back" check. */
export interface SeenTransition {
  billableId: string;
  from: string | null;
  to: string | null;
  eventId: string | null;
}

/**
 * Shared by both app instances (they run in this process): which events to sabotage and what
 * the app's handlers saw. Sabotage fires on the first attempt only, as a transient fault would.
 */
export const probeControl = {
  /** Event ids whose handler writes a row and then throws (R7). */
  throwOnce: new Set<string>(),
  /** Event ids whose transaction loses its database connection mid-way (R6). */
  killConnectionOnce: new Set<string>(),
  transitions: [] as SeenTransition[],
  thrown: 0,
  killed: 0,
};

/** The suite's own tables: one row per committed application of an event, and R7's partial writes. */
export const PROBE_TABLES_SQL = [
  'CREATE TABLE reliability_applied (id BIGSERIAL PRIMARY KEY, event_id VARCHAR(255) NOT NULL, event_type VARCHAR(255) NOT NULL)',
  'CREATE INDEX reliability_applied_event ON reliability_applied (event_id)',
  'CREATE TABLE reliability_partial (id BIGSERIAL PRIMARY KEY, event_id VARCHAR(255) NOT NULL)',
];

/**
 * An app's handlers: every Stripe event writes a row in the event's transaction, so a row per
 * event id counts the COMMITTED applications (two rows = applied twice; none = lost).
 */
@Injectable()
export class ReliabilityProbe {
  @OnStripeEvent('*')
  async onEvent(event: Stripe.Event, ctx: WebhookHandlerContext): Promise<void> {
    if (probeControl.killConnectionOnce.delete(event.id)) {
      probeControl.killed++;
      // The database goes away in the middle of the transaction, as a crash or failover would.
      await ctx.manager.query('SELECT pg_terminate_backend(pg_backend_pid())');
    }
    await ctx.manager.query('INSERT INTO reliability_applied (event_id, event_type) VALUES ($1, $2)', [event.id, event.type]);
    if (probeControl.throwOnce.delete(event.id)) {
      probeControl.thrown++;
      await ctx.manager.query('INSERT INTO reliability_partial (event_id) VALUES ($1)', [event.id]);
      throw new Error('reliability probe: handler failed on purpose');
    }
  }

  @OnBillingEvent('*')
  onBilling(event: BillingEvent): void {
    probeControl.transitions.push({ billableId: event.billableId, from: event.previous.subscriptionStatus, to: event.current.subscriptionStatus, eventId: event.event?.id ?? null });
  }
}
