import { Logger } from '@nestjs/common';

/** One run in progress on this instance. */
export interface InFlight {
  id: string;
  kind: string;
  token: string;
  done: Promise<void>;
  /** Set at shutdown when the item was handed back: the run's result is no longer recorded. */
  abandoned: boolean;
}

/**
 * The worker loop of one instance: claims as many items as it has free slots, sleeps until woken
 * (an enqueue committed, a run finished, another instance announced work, a retry is due) or the
 * poll interval passes, and never runs more items at once than `limit()` allows (`queue.concurrency`,
 * less while it yields to requests: RunAllowance).
 */
export class WorkDispatcher {
  private readonly logger = new Logger('Payments:Queue');
  readonly inFlight = new Map<string, InFlight>();
  private running = false;
  private woken = false;
  private sleeper: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private failures = 0;
  private claiming: Promise<unknown> | null = null;

  constructor(
    /** Runs allowed in flight now. */
    private readonly limit: () => number,
    private readonly pollIntervalMs: number,
    /** Claims and starts up to `free` items (each registered in `inFlight`); returns how many. */
    private readonly claimAndStart: (free: number) => Promise<unknown>,
  ) {}

  get started(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.work();
  }

  /** Claims again now (a no-op while stopped). */
  wake(): void {
    this.woken = true;
    const sleeper = this.sleeper;
    this.sleeper = null;
    sleeper?.();
  }

  /** Wakes at `at` (a retry or a delayed item coming due), sooner than the next poll. */
  wakeAt(at: Date): void {
    const delay = at.getTime() - Date.now();
    if (delay <= 0) return this.wake();
    if (delay >= this.pollIntervalMs) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.wake();
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  /** Resolves once a claim the loop has in progress has returned (its runs are then in `inFlight`). */
  async claimSettled(): Promise<void> {
    await this.claiming?.catch(() => undefined);
  }

  /** Stops claiming; runs in flight go on (the caller waits for or releases them). */
  async stop(): Promise<void> {
    this.running = false;
    this.timers.forEach((timer) => clearTimeout(timer));
    this.timers.clear();
    this.wake();
    await this.loop;
    this.loop = null;
  }

  private async work(): Promise<void> {
    while (this.running) {
      this.woken = false;
      const free = this.limit() - this.inFlight.size;
      if (free > 0) {
        try {
          this.claiming = this.claimAndStart(free);
          await this.claiming;
          this.failures = 0;
        } catch (error) {
          // The database is away: say so once, keep polling.
          if (this.failures++ === 0) this.logger.warn(`Could not claim work (${(error as Error)?.name ?? 'Error'}); trying again every ${this.pollIntervalMs} ms.`);
        } finally {
          this.claiming = null;
        }
      }
      if (!this.running) break;
      // Woken while claiming (a run finished, new work): claim again before sleeping.
      if (this.woken && this.inFlight.size < this.limit()) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.sleeper = null;
          resolve();
        }, this.pollIntervalMs);
        timer.unref();
        this.sleeper = () => {
          clearTimeout(timer);
          resolve();
        };
        if (this.woken) this.sleeper();
      });
    }
  }
}
