import { TestCard } from './fake-stripe.types';

/** Which API calls a fault applies to; `path` is matched against the path without query string. */
export interface RequestMatch {
  method?: string;
  path: string | RegExp;
}

export type Fault =
  | { kind: 'fail'; status: 500 | 429 | 503; shouldRetry?: boolean }
  | { kind: 'hang'; ms: number }
  | { kind: 'drop' };

interface Armed {
  match: RequestMatch;
  remaining: number;
  fault: Fault;
}

/** Faults on demand: the next N matching requests fail, hang or lose their response. */
export class FaultInjector {
  private armed: Armed[] = [];
  private declines: TestCard[] = [];
  private latency: { ms: number; match?: RequestMatch } | null = null;

  /**
   * Every matching API call (all, without `match`) waits `ms` before it is processed, until
   * changed; 0 turns it off. A real Stripe round trip is ~100 ms; the in-process fake answers in < 1 ms.
   */
  setLatency(ms: number, match?: RequestMatch): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`FakeStripe: latency must be a number of ms >= 0, not ${ms}`);
    this.latency = ms > 0 ? { ms, match } : null;
  }

  /** The standing latency of a call, in ms (0: none). */
  latencyFor(method: string, path: string): number {
    if (!this.latency) return 0;
    return !this.latency.match || matches(this.latency.match, method, path) ? this.latency.ms : 0;
  }

  /** The next `count` matching calls answer `status` without doing anything. */
  failNext(match: RequestMatch, count: number, options: { status: 500 | 429 | 503; shouldRetry?: boolean }): void {
    this.armed.push({ match, remaining: count, fault: { kind: 'fail', ...options } });
  }

  /** The next `count` matching calls wait `ms` before being processed (set it past the client timeout). */
  hangNext(match: RequestMatch, count: number, ms: number): void {
    this.armed.push({ match, remaining: count, fault: { kind: 'hang', ms } });
  }

  /** The next `count` matching calls are processed, then the socket is destroyed without an answer. */
  dropResponseNext(match: RequestMatch, count: number): void {
    this.armed.push({ match, remaining: count, fault: { kind: 'drop' } });
  }

  /** The next payment attempt (checkout excluded: use the card there) fails with this card. */
  declineNextPayment(card: Exclude<TestCard, 'success'> = 'decline'): void {
    this.declines.push(card);
  }

  takeDecline(): TestCard | undefined {
    return this.declines.shift();
  }

  take(method: string, path: string): Fault | undefined {
    for (const a of this.armed) {
      if (a.remaining <= 0 || !matches(a.match, method, path)) continue;
      a.remaining--;
      this.armed = this.armed.filter((x) => x.remaining > 0);
      return a.fault;
    }
    return undefined;
  }

  /** Disarms every fault and the standing latency. */
  clear(): void {
    this.armed = [];
    this.declines = [];
    this.latency = null;
  }
}

function matches(match: RequestMatch, method: string, path: string): boolean {
  if (match.method && match.method.toUpperCase() !== method) return false;
  return typeof match.path === 'string' ? match.path === path : match.path.test(path);
}
