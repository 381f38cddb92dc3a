import { randomBytes } from 'node:crypto';

/**
 * Messages are `<sender>:<billableId>` so a channel ignores what it published itself (its own
 * instance already dropped the entry). The sender tag is per channel object, not per process, so
 * two app instances in one process (tests, workers) still hear each other.
 */
export class InvalidationCodec {
  private readonly tag = randomBytes(6).toString('hex');

  encode(billableId: string): string {
    return `${this.tag}:${billableId}`;
  }

  /** The billable id of another sender's message; null for our own or a malformed one. Ids may contain ':'. */
  decode(payload: string): string | null {
    const at = payload.indexOf(':');
    if (at <= 0 || payload.slice(0, at) === this.tag) return null;
    return payload.slice(at + 1);
  }
}

/** Delay before the n-th reconnection attempt: 100 ms doubling to 5 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(5000, 100 * 2 ** Math.min(attempt, 6));
}
