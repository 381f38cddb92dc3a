import { LogCapture } from '../support/log-capture';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, DbKind, TestDatabase } from '../support/test-databases';
import { PaymentsTransactions } from '../../lib/persistence/payments-transactions';
import { PaymentsModuleOptions, WorkItemEntity, WorkQueue, WorkQueueOptions } from '../../lib';
import type { WorkHandler, WorkItem, WorkResult } from '../../lib';

/** A test app with its queue, its transactions and a log that keeps every line. */
export interface QueueApp {
  t: TestApp;
  queue: WorkQueue;
  transactions: PaymentsTransactions;
  log: LogCapture;
  /** The row of (kind, key), read from the table. */
  row(kind: string, key: string): Promise<WorkItemEntity | null>;
  close(): Promise<void>;
}

/** Boots the module on `db` with quick polling (tests wait on results, never on fixed times). */
export async function startQueueApp(db: TestDatabase, queue: WorkQueueOptions = {}, synchronize = true, payments: Partial<PaymentsModuleOptions> = {}): Promise<QueueApp> {
  const log = new LogCapture();
  const t = await startTestApp({ db, synchronize, logger: log, payments: { ...payments, queue: { pollIntervalMs: 50, retryBaseMs: 20, retryMaxMs: 100, ...queue } } });
  return {
    t,
    log,
    queue: t.app.get(WorkQueue),
    transactions: t.app.get(PaymentsTransactions),
    row: (kind, key) => t.dataSource.getRepository(WorkItemEntity).findOne({ where: { kind, key } }),
    close: () => t.close(),
  };
}

/**
 * One queue app on a fresh `kind` database for the calling `describe`: started in its `beforeAll`,
 * closed and the database dropped in its `afterAll`. Returns a getter for the app.
 */
export function queueAppPerSuite(kind: DbKind, queue: WorkQueueOptions = {}): () => QueueApp {
  let db: TestDatabase | undefined;
  let q: QueueApp | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    q = await startQueueApp(db, queue);
  });
  afterAll(async () => {
    await q?.close();
    await db?.drop();
  });
  return () => q!;
}

/** A handler that records every run and answers what `answer` says (default 'done'). */
export function recorder<P = unknown>(kind: string, answer: (item: WorkItem<P>) => Promise<WorkResult> | WorkResult = () => 'done', maxAttempts?: number) {
  const runs: WorkItem<P>[] = [];
  const handler: WorkHandler<P> = {
    kind,
    maxAttempts,
    run: async (item) => {
      runs.push(item);
      return answer(item);
    },
  };
  return { runs, handler: handler as WorkHandler };
}

/** Resolves once `check` is true, polling every 10 ms; rejects with `what` after 20 s. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A promise and its resolver, for handlers that wait on the test. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}
