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
      if (a.remaining <= 0) continue;
      if (a.match.method && a.match.method.toUpperCase() !== method) continue;
      const ok = typeof a.match.path === 'string' ? a.match.path === path : a.match.path.test(path);
      if (!ok) continue;
      a.remaining--;
      this.armed = this.armed.filter((x) => x.remaining > 0);
      return a.fault;
    }
    return undefined;
  }

  clear(): void {
    this.armed = [];
    this.declines = [];
  }
}
