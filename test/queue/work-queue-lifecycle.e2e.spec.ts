import { WorkItemEntity } from '../../lib';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { eventually, QueueApp, recorder, startQueueApp } from './queue-kit';

const never = () => new Promise<never>(() => undefined);

describeEachDb(['sqlite', 'postgres', 'mariadb'])('WorkQueue start and stop on %s', (kind) => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
  });
  afterEach(async () => {
    await db?.drop();
  });

  it('app.close() with an item in flight does not hang: the item is handed back, its run not counted', async () => {
    const q = await startQueueApp(db, { shutdownGraceMs: 100 });
    let closed = false;
    try {
      const { runs, handler } = recorder('stuck', never);
      q.queue.register(handler);
      await q.transactions.run((tx) => q.queue.enqueue(tx, 'stuck', 's', 1));
      await eventually('it runs', () => runs.length === 1);
      // Read through a connection that outlives the app (SQLite's is the app's own: read it before).
      const before = await q.row('stuck', 's');
      expect(before).toMatchObject({ status: 'running', attempts: 1 });
      if (kind === 'sqlite') {
        await q.close();
        closed = true;
        return;
      }
      const reader = await startQueueApp(db, { workers: false }, false);
      try {
        await q.close();
        closed = true;
        expect(await reader.row('stuck', 's')).toMatchObject({ status: 'pending', attempts: 0, lockedBy: null, lockedUntil: null });
        // Nest's static logger goes to the app created last.
        expect([...q.log.messages('warn'), ...reader.log.messages('warn')].join('\n')).toContain('Released 1 work item(s) still running at shutdown');
      } finally {
        await reader.close();
      }
    } finally {
      if (!closed) await q.close();
    }
  });

  it('app.close() lets a run that finishes within the grace period record its result', async () => {
    const q = await startQueueApp(db, { shutdownGraceMs: 10_000 });
    const { runs, handler } = recorder('finishing', async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return 'done' as const;
    });
    q.queue.register(handler);
    await q.transactions.run((tx) => q.queue.enqueue(tx, 'finishing', 'f', 1));
    await eventually('it runs', () => runs.length === 1);
    const reader = kind === 'sqlite' ? null : await startQueueApp(db, { workers: false }, false);
    await q.close();
    if (reader) {
      expect((await reader.row('finishing', 'f'))?.status).toBe('done');
      await reader.close();
    }
    expect(q.log.messages('warn').join('\n')).not.toContain('Released');
  });

  it('queue.workers: false runs nothing by itself; drain still runs', async () => {
    const q = await startQueueApp(db, { workers: false });
    try {
      const { runs, handler } = recorder('manual');
      q.queue.register(handler);
      await q.transactions.run((tx) => q.queue.enqueue(tx, 'manual', 'm', 1));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(runs).toHaveLength(0);
      expect(await q.queue.drain()).toBe(1);
      expect(runs).toHaveLength(1);
    } finally {
      await q.close();
    }
  });
});

describeEachDb(['postgres', 'mariadb'])('lease takeover on %s', (kind) => {
  it('an item whose instance died (no more heartbeats) is taken over once its short lease expires, and completes once', async () => {
    const db = await createTestDatabase(kind);
    const doomed = await startQueueApp(db, { leaseMs: 1000, shutdownGraceMs: 50 });
    const survivor = await startQueueApp(db, {}, false);
    try {
      const first = recorder('takeover', never);
      doomed.queue.register(first.handler);
      await doomed.transactions.run((tx) => doomed.queue.enqueue(tx, 'takeover', 't', { n: 1 }));
      await eventually('the doomed instance runs it', () => first.runs.length === 1);
      // The instance loses its database as a killed process would: no heartbeat, no result.
      await doomed.t.dataSource.destroy();
      const second = recorder('takeover');
      survivor.queue.register(second.handler);
      await eventually('the survivor took it over', () => second.runs.length === 1);
      expect(second.runs[0]).toMatchObject({ key: 't', payload: { n: 1 }, attempt: 2 });
      await eventually('done', async () => (await survivor.row('takeover', 't'))?.status === 'done');
      await survivor.queue.drain('takeover');
      expect(second.runs).toHaveLength(1);
    } finally {
      await doomed.close().catch(() => undefined);
      await survivor.close();
      await db.drop();
    }
  });
});

describeEachDb(['sqlite', 'postgres'])('an item whose runs keep dying on %s', (kind) => {
  it('is not run again once its claims exceed maxAttempts: it stays failed', async () => {
    const db = await createTestDatabase(kind);
    const q = await startQueueApp(db, { workers: false });
    try {
      const { runs, handler } = recorder('crashy', () => 'done', 2);
      q.queue.register(handler);
      await q.transactions.run((tx) => q.queue.enqueue(tx, 'crashy', 'c', 1));
      // Two claims whose workers died: running, attempts 2, lease long gone.
      await q.t.dataSource.getRepository(WorkItemEntity).update({ kind: 'crashy', key: 'c' }, { status: 'running', attempts: 2, lockedBy: 'dead#1', lockedUntil: new Date(Date.now() - 60_000) });
      expect(await q.queue.drain('crashy')).toBe(1);
      expect(runs).toHaveLength(0);
      expect(await q.row('crashy', 'c')).toMatchObject({ status: 'failed', attempts: 3, lastError: 'Error: 2 runs ended without a result (their workers died); not run again' });
    } finally {
      await q.close();
      await db.drop();
    }
  });
});
