import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

/** What the bench app asks its FakeStripe process. */
export type StripeCommand =
  | { op: 'create-price'; price: { id: string; unitAmount: number; interval: 'month' | 'year'; productName: string } }
  | { op: 'complete-checkout'; sessionId: string }
  | { op: 'subscription'; id: string }
  | { op: 'checkout-session'; id: string }
  | { op: 'requests-since'; from: number }
  | { op: 'request-count' }
  | { op: 'latency'; ms: number }
  | { op: 'stop' };

/** The bench's FakeStripe, run by `fake-stripe.process` in its own process; the app talks to it over HTTP (the SDK) and IPC (set-up). */
export class RemoteFakeStripe {
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private nextId = 1;

  private constructor(
    private readonly child: ChildProcess,
    readonly secretKey: string,
    readonly webhookSecret: string,
    private readonly config: { host: '127.0.0.1'; port: number; protocol: 'http' },
  ) {
    child.on('message', (message: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const entry = this.pending.get(message.id);
      if (!entry) return;
      this.pending.delete(message.id);
      if (message.ok) entry.resolve(message.result);
      else entry.reject(new Error(`bench FakeStripe: ${message.error}`));
    });
  }

  static start(env: NodeJS.ProcessEnv = process.env): Promise<RemoteFakeStripe> {
    const child = fork(join(__dirname, 'fake-stripe.process.js'), [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`bench FakeStripe process exited with code ${code}`)));
      child.once('message', (ready: { secretKey: string; webhookSecret: string; config: { host: '127.0.0.1'; port: number; protocol: 'http' } }) => {
        resolve(new RemoteFakeStripe(child, ready.secretKey, ready.webhookSecret, ready.config));
      });
    });
  }

  /** Spread into the Stripe client's options. */
  stripeConfig(): { host: '127.0.0.1'; port: number; protocol: 'http' } {
    return this.config;
  }

  call<T>(command: StripeCommand): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, command });
    });
  }
}
