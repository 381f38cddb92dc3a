import { createHash } from 'node:crypto';

/** A reporting window: [start, end). */
export interface MeterWindow {
  start: Date;
  end: Date;
}

/** Stripe refuses meter events older than 35 days; one hour of margin for the trip. */
export const STRIPE_BACKDATE_LIMIT_SECONDS = 35 * 86_400 - 3600;

/** The window `at` falls in, aligned to UTC multiples of `minutes` (so every instance agrees). */
export function windowOf(at: Date, minutes: number): MeterWindow {
  const size = minutes * 60_000;
  const start = Math.floor(at.getTime() / size) * size;
  return { start: new Date(start), end: new Date(start + size) };
}

/** The window of `at`, cut at the billing period's bounds (a window never spans a renewal). */
export function windowIn(at: Date, minutes: number, period: MeterWindow): MeterWindow {
  const w = windowOf(at, minutes);
  const start = w.start < period.start && period.start <= at ? period.start : w.start;
  const end = w.end > period.end && period.end > at ? period.end : w.end;
  return { start, end };
}

/** The queue item key of one window report. */
export function reportKey(billableId: string, meter: string, windowStart: Date, seq: number): string {
  return `${billableId}:${meter}:${windowStart.toISOString()}:${seq}`;
}

/**
 * The meter event `identifier` of one window report: the same for every retry, crash or instance,
 * different for each late-usage sequence. Readable when it fits Stripe's 100 characters, else a hash.
 */
export function meterEventIdentifier(billableId: string, meter: string, windowStart: Date, seq: number, prefix = 'nhp'): string {
  const plain = `${prefix}:${billableId}:${meter}:${Math.floor(windowStart.getTime() / 1000)}:${seq}`;
  if (plain.length <= 100) return plain;
  return `${prefix}:${createHash('sha256').update(plain).digest('hex').slice(0, 48)}`;
}

/** The event time sent for a window: its last second, or now when the window has not ended (Stripe refuses > 5 min ahead). */
export function eventTimestamp(window: MeterWindow, now: Date): number {
  return Math.floor(Math.min(window.end.getTime() - 1000, now.getTime()) / 1000);
}

/** True when Stripe no longer accepts an event at `timestamp` (seconds). */
export function pastBackdateLimit(timestamp: number, now: Date): boolean {
  return timestamp < Math.floor(now.getTime() / 1000) - STRIPE_BACKDATE_LIMIT_SECONDS;
}
