import type Stripe from 'stripe';
import { DeliveryRecord, DeliverySettings } from './fake-stripe.types';
import { SeededRandom } from './seeded-random';
import { signStripePayload } from './sign-payload';

export interface WebhookEndpoint {
  id: string;
  url: string;
  secret: string;
  /** Event types it is registered for, as listed by the API (deliveries are not filtered). Default ['*']. */
  enabledEvents?: string[];
  /** The API version it renders events in; default the installed SDK's, null for the account default. */
  apiVersion?: string | null;
  created?: number;
}

interface Job {
  event: Stripe.Event;
  endpoint: WebhookEndpoint;
  attempt: number;
}

const DEFAULT_RETRIES_MS = [50, 100, 200, 400];

/**
 * Delivers events as Stripe does: signed JSON POSTs, at least once, retried on anything but 2xx
 * (redirects included), with knobs for duplicates, order, delay, drops and concurrency.
 */
export class WebhookDeliverer {
  readonly endpoints: WebhookEndpoint[] = [];
  readonly deliveries: DeliveryRecord[] = [];
  private settings: Required<Omit<DeliverySettings, 'drop' | 'delayMs'>> & Pick<DeliverySettings, 'drop' | 'delayMs'>;
  private readonly queue: Job[] = [];
  private inFlight = 0;
  private scheduled = new Set<NodeJS.Timeout>();
  private paused = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly random: SeededRandom,
    private readonly log: (msg: string) => void,
    retryScheduleMs: number[] | undefined,
    private readonly timeoutMs: number,
  ) {
    this.settings = { times: 1, shuffle: false, concurrency: 1, retryScheduleMs: retryScheduleMs ?? DEFAULT_RETRIES_MS };
  }

  configure(settings: DeliverySettings): void {
    this.settings = { ...this.settings, ...settings };
  }

  enqueue(event: Stripe.Event): void {
    if (this.settings.drop?.(event)) return;
    for (const endpoint of this.endpoints) {
      for (let i = 0; i < Math.max(1, this.settings.times); i++) this.queue.push({ event, endpoint, attempt: 1 });
    }
    this.kick();
  }

  /** Sends an event again to every endpoint, as the Dashboard's "Resend" does (same event id). */
  redeliver(event: Stripe.Event): void {
    for (const endpoint of this.endpoints) this.queue.push({ event, endpoint, attempt: 1 });
    this.kick();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.kick();
  }

  isIdle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0 && this.scheduled.size === 0;
  }

  waitForIdle(timeoutMs: number): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        const why = this.paused ? ' (deliveries are paused)' : '';
        reject(new Error(`FakeStripe: deliveries still pending after ${timeoutMs} ms${why}: ${this.queue.length} queued, ${this.inFlight} in flight, ${this.scheduled.size} retries scheduled`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.idleWaiters.push(done);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.scheduled) clearTimeout(t);
    this.scheduled.clear();
    this.queue.length = 0;
    this.notifyIdle();
  }

  private kick(): void {
    // Deferred so that all events of one API call are queued before the first goes out.
    setImmediate(() => this.pump());
  }

  private pump(): void {
    while (!this.paused && !this.stopped && this.queue.length > 0 && this.inFlight < Math.max(1, this.settings.concurrency)) {
      const index = this.settings.shuffle ? this.random.int(0, this.queue.length - 1) : 0;
      const [job] = this.queue.splice(index, 1);
      this.inFlight++;
      void this.attempt(job).finally(() => {
        this.inFlight--;
        this.pump();
        this.notifyIdle();
      });
    }
    this.notifyIdle();
  }

  private async attempt(job: Job): Promise<void> {
    const delay = this.delay();
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (this.stopped) return;
    const body = JSON.stringify(job.event, null, 2);
    let status: number | 'error';
    try {
      const res = await fetch(job.endpoint.url, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': signStripePayload(body, job.endpoint.secret),
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch {
      status = 'error';
    }
    this.deliveries.push({ eventId: job.event.id, type: job.event.type, endpointId: job.endpoint.id, attempt: job.attempt, status, at: Date.now() });
    if (typeof status === 'number' && status >= 200 && status < 300) return;
    const wait = this.settings.retryScheduleMs[job.attempt - 1];
    if (wait === undefined || this.stopped) {
      this.log(`FakeStripe: gave up delivering ${job.event.type} ${job.event.id} after ${job.attempt} attempts (last: ${status})`);
      return;
    }
    const timer = setTimeout(() => {
      this.scheduled.delete(timer);
      this.queue.push({ ...job, attempt: job.attempt + 1 });
      this.pump();
    }, wait);
    this.scheduled.add(timer);
  }

  private delay(): number {
    const d = this.settings.delayMs;
    if (d === undefined) return 0;
    return Array.isArray(d) ? this.random.int(d[0], d[1]) : d;
  }

  private notifyIdle(): void {
    if (!this.isIdle() && !this.stopped) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
