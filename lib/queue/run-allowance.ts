import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { EventLoopUtilization, performance } from 'node:perf_hooks';

/** Node publishes here every request an HTTP server of this process starts (Express and Fastify alike). */
const REQUEST_STARTED = 'http.server.request.start';
/** Share of a window the event loop spent working above which requests and runs compete for it. */
export const BUSY_LOOP = 0.8;
export const WINDOW_MS = 100;
/** Marks an HTTP server whose requests are not the app's traffic (the in-process FakeStripe's). */
export const NOT_APP_TRAFFIC = Symbol.for('nestjs-headless-payments.notAppTraffic');

/**
 * The rule, one window at a time: while HTTP requests arrived and the event loop was busy, halve the
 * runs allowed (never below one, so a backlog always moves); while requests arrived with room on the
 * loop, one more; with no request at all, nothing to yield to: double (one quiet window between
 * slow requests does not bring back `max` at once; from one, any `max` up to 100 is back in 0.7 s).
 */
export function nextAllowance(allowed: number, max: number, loopBusy: number, requests: number): number {
  if (requests === 0) return Math.min(max, allowed * 2);
  if (loopBusy >= BUSY_LOOP) return Math.max(1, Math.floor(allowed / 2));
  return Math.min(max, allowed + 1);
}

/**
 * How many queue runs this instance may have in flight right now (`queue.yieldToRequests`). A run's
 * database work and Stripe round trip use the same event loop (and, on one machine, the same cores)
 * as the app's requests; while requests keep the loop busy the queue steps back and drains from the
 * capacity they leave, rather than slowing every route. Without requests it doubles per window up
 * to `max`; while requests leave the loop room it takes one more run per window. Watching costs a
 * counter per request and a timer per window, only while a dispatcher or a drain is active.
 */
export class RunAllowance {
  private allowed: number;
  private requests = 0;
  private watchers = 0;
  private timer: NodeJS.Timeout | null = null;
  private utilization: EventLoopUtilization | null = null;
  private readonly onRequest = (message: unknown) => {
    // A run's own Stripe calls reach an in-process fake as requests: they are not traffic to yield to.
    if (!(message as { server?: Record<symbol, unknown> })?.server?.[NOT_APP_TRAFFIC]) this.requests++;
  };

  constructor(
    private readonly max: number,
    private readonly yieldToRequests: boolean,
    /** Called when the allowance grew: a dispatcher may claim again at once. */
    private readonly grew: () => void = () => undefined,
  ) {
    this.allowed = max;
  }

  get limit(): number {
    return this.allowed;
  }

  /** Starts watching until the matching `unwatch` (nested calls share one watch). */
  watch(): void {
    if (!this.yieldToRequests || this.watchers++ > 0) return;
    this.requests = 0;
    this.utilization = performance.eventLoopUtilization();
    subscribe(REQUEST_STARTED, this.onRequest);
    this.timer = setInterval(() => this.tick(), WINDOW_MS);
    this.timer.unref();
  }

  unwatch(): void {
    if (!this.yieldToRequests || this.watchers === 0 || --this.watchers > 0) return;
    unsubscribe(REQUEST_STARTED, this.onRequest);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.allowed = this.max;
  }

  private tick(): void {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, this.utilization ?? undefined).utilization;
    this.utilization = now;
    const before = this.allowed;
    this.allowed = nextAllowance(before, this.max, busy, this.requests);
    this.requests = 0;
    if (this.allowed > before) this.grew();
  }
}
