import { WorkItemEntity } from '../../lib';
import { createTestDatabase, describeEachDb } from '../support/test-databases';
import { eventually, gate, QueueApp, queueAppPerSuite, recorder, startQueueApp } from './queue-kit';

describeEachDb(['sqlite', 'postgres', 'mariadb'])('WorkQueue.enqueue on %s', (kind) => {
  const app = queueAppPerSuite(kind);
  let q: QueueApp;

  beforeAll(() => (q = app()));

  it('inserts a pending item once per (kind, key); a pending one takes the new payload and keeps the earlier runAfter', async () => {
    // No handler for this kind: the rows stay as enqueue left them.
    const later = new Date(Date.now() + 3_600_000);
    const sooner = new Date(Date.now() + 60_000);
    await q.transactions.run((tx) => q.queue.enqueue(tx, 'unhandled', 'k1', { n: 1 }, { runAfter: later, orderKey: 'b1' }));
    await q.transactions.run((tx) => q.queue.enqueue(tx, 'unhandled', 'k1', { n: 2 }, { runAfter: sooner }));
    await q.transactions.run((tx) => q.queue.enqueue(tx, 'unhandled', 'k1', { n: 3 }, { runAfter: later }));
    const row = await q.row('unhandled', 'k1');
    expect(row).toMatchObject({ status: 'pending', attempts: 0, payload: '{"n":3}', orderKey: 'b1', rerun: false });
    expect(row?.runAfter.getTime()).toBe(sooner.getTime());
    // Same key, other kind: another item.
    await q.transactions.run((tx) => q.queue.enqueue(tx, 'unhandled-too', 'k1', null));
    expect(await q.row('unhandled-too', 'k1')).toMatchObject({ status: 'pending', payload: 'null' });
  });

  it('replaceRunAfter pushes a pending item back (debounce)', async () => {
    const first = new Date(Date.now() + 60_000);
    const pushed = new Date(Date.now() + 120_000);
    await q.transactions.run((tx) => q.queue.enqueue(tx, 'unhandled', 'k2', 1, { runAfter: first }));
    await q.transactions.run((tx) => q.queue.enqueue(tx, 'unhandled', 'k2', 2, { runAfter: pushed, replaceRunAfter: true }));
    expect((await q.row('unhandled', 'k2'))?.runAfter.getTime()).toBe(pushed.getTime());
  });

  it('runs after the commit without drain, never after a rollback', async () => {
    const { runs, handler } = recorder<{ n: number }>('after-commit');
    q.queue.register(handler);
    await expect(
      q.transactions.run(async (tx) => {
        await q.queue.enqueue(tx, 'after-commit', 'rolled-back', { n: 0 });
        throw new Error('the caller changed its mind');
      }),
    ).rejects.toThrow('changed its mind');
    expect(await q.row('after-commit', 'rolled-back')).toBeNull();
    await q.transactions.run((tx) => q.queue.enqueue(tx, 'after-commit', 'kept', { n: 1 }));
    await eventually('the worker ran the committed item', () => runs.length === 1);
    expect(runs[0]).toMatchObject({ kind: 'after-commit', key: 'kept', payload: { n: 1 }, attempt: 1 });
    await eventually('it is done', async () => (await q.row('after-commit', 'kept'))?.status === 'done');
  });

  it('a done or failed item becomes pending again with fresh attempts', async () => {
    const { runs, handler } = recorder('again', (item) => {
      if ((item.payload as string) === 'bad') throw new Error('bad payload');
      return 'done';
    }, 1);
    q.queue.register(handler);
    await q.transactions.run((tx) => q.queue.enqueue(tx, 'again', 'a', 'ok'));
    await q.transactions.run((tx) => q.queue.enqueue(tx, 'again', 'b', 'bad'));
    await q.queue.drain('again');
    expect((await q.row('again', 'a'))?.status).toBe('done');
    expect(await q.row('again', 'b')).toMatchObject({ status: 'failed', attempts: 1, lastError: 'Error: bad payload' });
    const requeued = await q.transactions.run(async (tx) => {
      await q.queue.enqueue(tx, 'again', 'a', 'ok 2');
      await q.queue.enqueue(tx, 'again', 'b', 'fixed');
      // Read before the commit: afterwards the workers take it at once.
      return tx.manager.getRepository(WorkItemEntity).find({ where: { kind: 'again' }, order: { key: 'ASC' } });
    });
    expect(requeued.map((r) => [r.key, r.status, r.attempts, r.lastError])).toEqual([
      ['a', 'pending', 0, null],
      ['b', 'pending', 0, null],
    ]);
    await q.queue.drain('again');
    expect(runs.map((r) => r.payload).sort()).toEqual(['bad', 'fixed', 'ok', 'ok 2']);
    expect((await q.row('again', 'b'))?.status).toBe('done');
  });

  it('an item enqueued while it runs runs once more afterwards, with the newest payload', async () => {
    const hold = gate();
    const { runs, handler } = recorder('rerun', async (item) => {
      if (item.payload === 1) await hold.wait;
      return 'done' as const;
    });
    q.queue.register(handler);
    await q.transactions.run((tx) => q.queue.enqueue(tx, 'rerun', 'r', 1));
    await eventually('the first run started', () => runs.length === 1);
    await q.transactions.run((tx) => q.queue.enqueue(tx, 'rerun', 'r', 2));
    await q.transactions.run((tx) => q.queue.enqueue(tx, 'rerun', 'r', 3));
    expect(await q.row('rerun', 'r')).toMatchObject({ status: 'running', rerun: true, payload: '3' });
    hold.open();
    await eventually('the second run finished', async () => runs.length === 2 && (await q.row('rerun', 'r'))?.status === 'done');
    expect(runs.map((r) => [r.payload, r.attempt])).toEqual([
      [1, 1],
      [3, 1],
    ]);
    expect(await q.row('rerun', 'r')).toMatchObject({ rerun: false, lockedBy: null, lockedUntil: null });
  });

  it('drain runs every due item of a kind and says how many (an instance without workers)', async () => {
    const own = await createTestDatabase(kind);
    const quiet = await startQueueApp(own, { workers: false });
    try {
      const { runs, handler } = recorder('drained');
      quiet.queue.register(handler);
      await quiet.transactions.run(async (tx) => {
        for (let i = 0; i < 7; i++) await quiet.queue.enqueue(tx, 'drained', `d${i}`, i);
        await quiet.queue.enqueue(tx, 'drained', 'not-yet', 99, { runAfter: new Date(Date.now() + 3_600_000) });
      });
      expect(await quiet.queue.drain('drained')).toBe(7);
      expect(runs.map((r) => r.payload).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(await quiet.queue.drain('drained')).toBe(0);
      expect(await quiet.queue.drain('no-such-kind')).toBe(0);
      expect((await quiet.row('drained', 'not-yet'))?.status).toBe('pending');
    } finally {
      await quiet.close();
      await own.drop();
    }
  });

  it('drain waits for what the workers took meanwhile', async () => {
    const { runs, handler } = recorder('raced', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return 'done' as const;
    });
    q.queue.register(handler);
    await q.transactions.run(async (tx) => {
      for (let i = 0; i < 12; i++) await q.queue.enqueue(tx, 'raced', `r${i}`, i);
    });
    await q.queue.drain('raced');
    expect(runs).toHaveLength(12);
    for (let i = 0; i < 12; i++) expect((await q.row('raced', `r${i}`))?.status).toBe('done');
  });

  it('refuses a kind or key it could not store, and a second handler for a kind', async () => {
    await expect(q.transactions.run((tx) => q.queue.enqueue(tx, '', 'k', 1))).rejects.toThrow("a work item's kind must be a non-empty string");
    await expect(q.transactions.run((tx) => q.queue.enqueue(tx, 'k', 'x'.repeat(256), 1))).rejects.toThrow('at most 255 characters');
    expect(() => q.queue.register(recorder('raced').handler)).toThrow("a work handler for 'raced' is registered already");
  });
});
