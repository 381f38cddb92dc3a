/** A stored API answer, replayed byte for byte when the same key comes back with the same params. */
export interface StoredResponse {
  fingerprint: string;
  status: number;
  body: string;
}

export type IdempotencyLookup =
  | { kind: 'new' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

/** Stripe's idempotency: same key + same request replays; other params is an error; concurrent use is a 409. */
export class IdempotencyStore {
  private readonly done = new Map<string, StoredResponse>();
  private readonly running = new Map<string, string>();

  lookup(key: string, fingerprint: string): IdempotencyLookup {
    const stored = this.done.get(key);
    if (stored) return stored.fingerprint === fingerprint ? { kind: 'replay', response: stored } : { kind: 'mismatch' };
    const running = this.running.get(key);
    if (running !== undefined) return running === fingerprint ? { kind: 'in_progress' } : { kind: 'mismatch' };
    return { kind: 'new' };
  }

  begin(key: string, fingerprint: string): void {
    this.running.set(key, fingerprint);
  }

  finish(key: string, response: StoredResponse | null): void {
    this.running.delete(key);
    if (response) this.done.set(key, response);
  }
}
