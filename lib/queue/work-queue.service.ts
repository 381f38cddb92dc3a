import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { EntityManager } from 'typeorm';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { WORK_KEY_LENGTH, WORK_KIND_LENGTH } from '../persistence/entities/work-item.entity';
import { PaymentsTransactions, PaymentsTx } from '../persistence/payments-transactions';
import { InFlight, WorkDispatcher } from './work-dispatcher';
import { ClaimedRow, WorkItemStore } from './work-item.store';
import { WorkQueueAdmin } from './work-queue.admin';
import type { EnqueueOptions, WorkHandler, WorkQueueApi } from './work-queue.contract';
import { RunAllowance } from './run-allowance';
import { RunOutcome, WorkRunner } from './work-runner';
import { CommitWatcher, WakeBroadcast } from './work-wake';

let workersDisabledInProcess = false;

/** @internal The CLI runs one command: its process must not start taking the app's work. */
export function disableQueueWorkersInThisProcess(): void {
  workersDisabledInProcess = true;
}

/**
 * The durable work queue (GUIDE §5). Capabilities register a handler per kind in onModuleInit
 * and enqueue inside their own transactions; workers on every instance claim due items
 * (`FOR UPDATE SKIP LOCKED` on PostgreSQL and MySQL 8/MariaDB 10.6+, a guarded UPDATE on SQLite),
 * run them with no transaction open, and record the result. Woken after an enqueue commits on this
 * instance, by the wake channel from the others, and by polling.
 */
@Injectable()
export class WorkQueue extends WorkQueueAdmin implements WorkQueueApi, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Payments:Queue');
  private readonly handlers = new Map<string, WorkHandler>();
  private readonly runner: WorkRunner;
  private readonly dispatcher: WorkDispatcher;
  private readonly allowance: RunAllowance;
  private readonly commits: CommitWatcher;
  private readonly broadcast: WakeBroadcast | null;
  /** This instance in `locked_by`; each claim adds a sequence number. */
  private readonly instance = `${hostname().slice(0, 24)}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private claims = 0;
  private listening: Promise<void> | null = null;
  private reclaimedAt = 0;

  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    transactions: PaymentsTransactions,
  ) {
    const store = new WorkItemStore(transactions);
    super(store, transactions);
    this.runner = new WorkRunner(store, options.queue);
    this.allowance = new RunAllowance(options.queue.concurrency, options.queue.yieldToRequests, () => this.dispatcher.wake());
    this.dispatcher = new WorkDispatcher(() => this.allowance.limit, options.queue.pollIntervalMs, (free) => this.claimAndStart(free));
    this.commits = new CommitWatcher(transactions.dataSource);
    this.broadcast = WakeBroadcast.from(options, transactions.dataSource);
  }

  /**
   * Inside the caller's transaction (a TypeORM manager, or the module's PaymentsTx): makes sure
   * (kind, key) runs after this commit with `payload`. Pending: the payload is replaced and the
   * earlier `runAfter` kept (unless `replaceRunAfter`); running: it runs once more afterwards;
   * done or failed: pending again with fresh attempts. Wakes the workers once the transaction commits.
   * On SQLite pass the manager (or tx) of PaymentsTransactions.run/write: its one connection is shared.
   */
  async enqueue<P>(manager: EntityManager | PaymentsTx, kind: string, key: string, payload: P, options: EnqueueOptions = {}): Promise<void> {
    const input = this.upsertInput(kind, key, payload, options);
    const { runAfter } = input;
    const em = manager instanceof PaymentsTx ? manager.manager : manager;
    // Not wrapped in PaymentsTransactions.write here: a caller inside write() would wait on itself.
    await this.store.upsert(em, input);
    const committed = () => this.announce(kind, runAfter);
    if (manager instanceof PaymentsTx) manager.afterCommit(committed);
    else this.commits.afterCommit(em, committed);
  }

  /**
   * `enqueue` of many items of one kind, due now, in one statement inside the caller's transaction
   * (the workers are woken once it commits).
   */
  async enqueueMany<P>(tx: PaymentsTx, kind: string, items: { key: string; payload: P; orderKey?: string }[]): Promise<void> {
    if (items.length === 0) return;
    const now = new Date();
    await this.store.upsertMany(tx.manager, kind, this.manyRows(kind, items), now);
    tx.afterCommit(() => this.announce(kind, now));
  }

  /**
   * PostgreSQL only: `insert` (an `INSERT ... RETURNING` with its `$n` parameters, e.g. an inbox row)
   * and, only if it inserted its row, the enqueue of (kind, key) with the same rules as `enqueue`,
   * in one statement outside any transaction. False when `insert` inserted nothing (nothing written).
   */
  async enqueueAfterInsert<P>(insert: [string, unknown[]], kind: string, key: string, payload: P, options: EnqueueOptions = {}): Promise<boolean> {
    if (this.store.dialect !== 'postgres') throw new Error('nestjs-headless-payments: enqueueAfterInsert needs PostgreSQL; use enqueue in a transaction.');
    const input = this.upsertInput(kind, key, payload, options);
    if (!(await this.store.upsertAfterInsert(insert, input))) return false;
    this.announce(kind, input.runAfter);
    return true;
  }

  /**
   * PostgreSQL only: `enqueueAfterInsert` for many items in one statement. `insert` inserts many rows
   * and returns their `id`s; each item whose key it returned is enqueued, due now, in `items` order.
   * Answers the keys enqueued (an item whose row `insert` did not insert is not enqueued).
   */
  async enqueueManyAfterInsert<P>(insert: [string, unknown[]], kind: string, items: { key: string; payload: P; orderKey?: string }[]): Promise<Set<string>> {
    if (this.store.dialect !== 'postgres') throw new Error('nestjs-headless-payments: enqueueManyAfterInsert needs PostgreSQL; use enqueue in a transaction.');
    const now = new Date();
    const enqueued = await this.store.upsertManyAfterInsert(insert, kind, this.manyRows(kind, items), now);
    if (enqueued.size > 0) this.announce(kind, now);
    return enqueued;
  }

  /** The rows of a many-item enqueue, each checked and serialised as `enqueue` does. */
  private manyRows<P>(kind: string, items: { key: string; payload: P; orderKey?: string }[]) {
    return items.map((item) => {
      const { key, payload, orderKey } = this.upsertInput(kind, item.key, item.payload, { orderKey: item.orderKey });
      return { key, payload, orderKey };
    });
  }

  /** After an enqueue committed: wakes this instance's workers at `runAfter`, and the other instances. */
  private announce(kind: string, runAfter: Date): void {
    this.dispatcher.wakeAt(runAfter);
    this.broadcast?.publish(kind);
  }

  /** Whether `enqueueAfterInsert` is available (PostgreSQL). */
  get oneStatementEnqueue(): boolean {
    return this.store.dialect === 'postgres';
  }

  private upsertInput<P>(kind: string, key: string, payload: P, options: EnqueueOptions) {
    checkName('kind', kind, WORK_KIND_LENGTH);
    checkName('key', key, WORK_KEY_LENGTH);
    if (options.orderKey !== undefined) checkName('orderKey', options.orderKey, WORK_KEY_LENGTH);
    const now = new Date();
    const runAfter = options.runAfter ?? now;
    return { kind, key, payload: JSON.stringify(payload ?? null), runAfter, orderKey: options.orderKey ?? null, replaceRunAfter: options.replaceRunAfter === true, now };
  }

  /** Registers what a kind does (call from onModuleInit); one handler per kind. */
  register(handler: WorkHandler): void {
    checkName('kind', handler?.kind, WORK_KIND_LENGTH);
    if (typeof handler.run !== 'function') throw new Error(`nestjs-headless-payments: the work handler '${handler.kind}' needs a run(item) method.`);
    if (this.handlers.has(handler.kind)) throw new Error(`nestjs-headless-payments: a work handler for '${handler.kind}' is registered already; register each kind once.`);
    this.handlers.set(handler.kind, handler);
    if (this.dispatcher.started) this.listen();
    this.dispatcher.wake();
  }

  /** Wakes this instance's workers now. */
  wake(kind?: string): void {
    if (kind === undefined || kind === '' || this.handlers.has(kind)) this.dispatcher.wake();
  }

  /**
   * Runs due items (of `kind`, or every registered kind) on this instance until none is left, and
   * waits for this instance's workers' runs of them; returns how many ran. For tests and the CLI.
   */
  async drain(kind?: string): Promise<number> {
    const kinds = kind === undefined ? [...this.handlers.keys()] : this.handlers.has(kind) ? [kind] : [];
    this.allowance.watch();
    try {
      return await this.drainRuns(kinds);
    } finally {
      this.allowance.unwatch();
    }
  }

  private async drainRuns(kinds: string[]): Promise<number> {
    const counted = new Set<InFlight>();
    // Keeps the allowed number of items in flight: each one that ends makes room for the next claim,
    // so one slow item does not hold back a whole batch.
    for (;;) {
      const limit = this.allowance.limit;
      const free = limit - this.runsOf(kinds).length;
      const { started, handedBack } = free > 0 ? await this.claimAndStart(free, kinds) : { started: [], handedBack: 0 };
      // The workers may be claiming the same items right now: count and wait for theirs too.
      await this.dispatcher.claimSettled();
      const running = this.runsOf(kinds);
      running.forEach((run) => counted.add(run));
      if (started.length === 0 && handedBack === 0 && running.length === 0) return counted.size;
      // Runs that ended while this claim was out left their slots free; a claim that got all it
      // asked for may find more at once. Waiting for the next run to end instead kept those slots
      // empty for a whole run (items claimed together end together): 16 of 20 busy on average.
      if (free > 0 && started.length === free && running.length < limit) continue;
      if (running.length > 0) await Promise.race(running.map((run) => run.done));
      else await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(Math.random() * 20)));
    }
  }

  private runsOf(kinds: string[]): InFlight[] {
    return [...this.dispatcher.inFlight.values()].filter((run) => kinds.includes(run.kind));
  }

  /** Runs in flight on this instance (for the health indicator and tests). */
  get inFlightCount(): number {
    return this.dispatcher.inFlight.size;
  }

  /** @internal Starts the workers, unless `queue.workers` is false. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.queue.workers || workersDisabledInProcess) return;
    this.allowance.watch();
    this.dispatcher.start();
    if (this.handlers.size > 0) await this.listen();
  }

  /** Listens for other instances' announcements, once this instance has work to take (no idle connection otherwise). */
  private listen(): Promise<void> {
    this.listening ??= this.broadcast?.listen((kind) => this.wake(kind || undefined)) ?? Promise.resolve();
    return this.listening;
  }

  /** @internal Stops claiming, gives runs in flight `queue.shutdownGraceMs` to finish, then releases the rest to other instances. */
  async beforeApplicationShutdown(): Promise<void> {
    const watching = this.dispatcher.started;
    await this.dispatcher.stop();
    if (watching) this.allowance.unwatch();
    this.commits.close();
    const runs = [...this.dispatcher.inFlight.values()];
    if (runs.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.queue.shutdownGraceMs)));
      await Promise.race([Promise.all(runs.map((run) => run.done)), grace]);
      clearTimeout(timer);
      const left = [...this.dispatcher.inFlight.values()];
      for (const run of left) {
        run.abandoned = true;
        await this.store.release(run.id, run.token).catch(() => false);
      }
      if (left.length > 0) this.logger.warn(`Released ${left.length} work item(s) still running at shutdown; another instance runs them again.`);
    }
    await this.listening;
    await this.broadcast?.close();
  }

  /** Claims up to `free` due items of `kinds` and starts running them (not awaited). */
  private async claimAndStart(free: number, kinds = [...this.handlers.keys()]): Promise<{ started: InFlight[]; handedBack: number }> {
    if (kinds.length === 0) return { started: [], handedBack: 0 };
    // Expired leases are looked for every third of a lease (or poll), not on every claim.
    const now = Date.now();
    if (now - this.reclaimedAt >= Math.max(this.options.queue.pollIntervalMs, this.options.queue.leaseMs / 3)) {
      this.reclaimedAt = now;
      const reclaimed = await this.store.reclaimExpired();
      if (reclaimed > 0) this.logger.warn(`Took back ${reclaimed} work item(s) whose worker stopped renewing its lease (a stopped or cut-off instance); they run again.`);
    }
    const token = `${this.instance}#${++this.claims}`;
    const { rows, handedBack } = await this.store.claim(kinds, free, token, this.options.queue.leaseMs);
    // Handed back because another claim took an item of the same order key at the same moment:
    // claim again soon, a little apart from the other instance, rather than at the next poll.
    if (handedBack > 0) this.dispatcher.wakeAt(new Date(Date.now() + 5 + Math.floor(Math.random() * 20)));
    return { started: rows.map((row) => this.start(row, token)), handedBack };
  }

  private start(row: ClaimedRow, token: string): InFlight {
    const handler = this.handlers.get(row.kind) as WorkHandler;
    const run: InFlight = { id: row.id, kind: row.kind, token, abandoned: false, done: Promise.resolve() };
    run.done = this.runner.run(handler, row, token, () => run.abandoned).then((outcome: RunOutcome) => {
      this.dispatcher.inFlight.delete(`${token}/${row.id}`);
      if (outcome.state === 'retry') this.dispatcher.wakeAt(outcome.at);
      this.dispatcher.wake();
    });
    this.dispatcher.inFlight.set(`${token}/${row.id}`, run);
    return run;
  }
}

function checkName(what: string, value: unknown, max: number): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new Error(`nestjs-headless-payments: a work item's ${what} must be a non-empty string of at most ${max} characters, not ${JSON.stringify(value)?.slice(0, 80)}.`);
  }
}
