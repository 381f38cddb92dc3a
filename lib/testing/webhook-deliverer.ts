import type Stripe from 'stripe';
import { renderEvent, thinNotification } from './event-payloads';
import { DeliveryRecord, DeliverySettings } from './fake-stripe.types';
import { SeededRandom } from './seeded-random';
import { signStripePayload } from './sign-payload';
import { postDelivery } from './webhook-post';

export interface WebhookEndpoint {
  id: string;
  url: string;
  secret: string;
  /** Version its snapshot events are rendered in; null: the account's. */
  apiVersion: string | null;
  payload: 'snapshot' | 'thin';
  /** Event types it is registered for, as listed by the API (deliveries are not filtered). Default ['*']. */
  enabledEvents?: string[];
  created?: number;
}

/** What `realisticDelivery` turns on: Stripe guarantees no order and sends duplicates. */
export const REALISTIC_DELIVERY: DeliverySettings = { shuffle: true, duplicates: 0.3, delayMs: [0, 10], concurrency: 2 };

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
  private settings: Required<Omit<DeliverySettings, 'drop' | 'delayMs' | 'duplicates'>> & Pick<DeliverySettings, 'drop' | 'delayMs' | 'duplicates'>;
  private readonly queue: Job[] = [];
  private inFlight = 0;
  private scheduled = new Set<NodeJS.Timeout>();
  private paused = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  /** Thin notification ids by snapshot event id: a retry or a redelivery keeps its id, as at Stripe. */
  private readonly thinIds = new Map<string, string>();
  /** Event id -> endpoints that have not answered it with a 2xx yet: the event's `pending_webhooks`. */
  private readonly owed = new Map<string, Set<string>>();

  constructor(
    private readonly random: SeededRandom,
    private readonly log: (msg: string) => void,
    retryScheduleMs: number[] | undefined,
    private readonly timeoutMs: number,
    private readonly accountVersion: string,
  ) {
    this.settings = { times: 1, shuffle: false, concurrency: 1, retryScheduleMs: retryScheduleMs ?? DEFAULT_RETRIES_MS };
  }

  configure(settings: DeliverySettings): void {
    this.settings = { ...this.settings, ...settings };
  }

  enqueue(event: Stripe.Event): void {
    this.owed.set(event.id, new Set(this.endpoints.map((e) => e.id)));
    if (this.settings.drop?.(event)) return;
    for (const endpoint of this.endpoints) {
      const extra = this.settings.duplicates && this.random.next() < this.settings.duplicates ? 1 : 0;
      for (let i = 0; i < Math.max(1, this.settings.times) + extra; i++) this.queue.push({ event, endpoint, attempt: 1 });
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
    const body = JSON.stringify(this.payloadFor(job), null, 2);
    let status: number | 'error';
    try {
      status = await postDelivery(
        job.endpoint.url,
        body,
        {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': signStripePayload(body, job.endpoint.secret),
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        this.timeoutMs,
      );
    } catch {
      status = 'error';
    }
    this.deliveries.push({ eventId: job.event.id, type: job.event.type, endpointId: job.endpoint.id, attempt: job.attempt, status, at: Date.now() });
    if (typeof status === 'number' && status >= 200 && status < 300) {
      this.settle(job);
      return;
    }
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

  /** The thin notification standing for a snapshot event (same id every time it is asked for). */
  thinFor(event: Stripe.Event): ReturnType<typeof thinNotification> {
    let id = this.thinIds.get(event.id);
    if (!id) {
      id = `evt_test_${this.random.token(24)}`;
      this.thinIds.set(event.id, id);
    }
    return thinNotification(event, id);
  }

  /** The snapshot event a thin notification id stands for, if any. */
  snapshotOf(thinId: string): string | undefined {
    for (const [snapshot, thin] of this.thinIds) if (thin === thinId) return snapshot;
    return undefined;
  }

  private payloadFor(job: Job): object {
    if (job.endpoint.payload === 'thin') return this.thinFor(job.event);
    return renderEvent(job.event, job.endpoint.apiVersion ?? this.accountVersion);
  }

  /** As at Stripe, `pending_webhooks` counts the endpoints still owed a successful delivery. */
  private settle(job: Job): void {
    const owed = this.owed.get(job.event.id);
    if (!owed) return;
    owed.delete(job.endpoint.id);
    job.event.pending_webhooks = owed.size;
    if (owed.size === 0) this.owed.delete(job.event.id);
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
