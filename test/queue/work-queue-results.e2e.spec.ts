import type { WorkResult } from '../../lib';
import { backoffMs } from '../../lib/queue/work-runner';
import { describeEachDb } from '../support/test-databases';
import { eventually, gate, QueueApp, queueAppPerSuite, recorder } from './queue-kit';

describeEachDb(['sqlite', 'postgres', 'mariadb'])('WorkQueue results on %s', (kind) => {
  const app = queueAppPerSuite(kind);
  let q: QueueApp;

  beforeAll(() => (q = app()));

  it('{ retryAt } puts the item back for that time without counting a failure', async () => {
    let calls = 0;
    const { runs, handler } = recorder('slow-down', (): WorkResult => (++calls === 1 ? { retryAt: new Date(Date.now() + 150) } : 'done'));
    q.queue.register(handler);
    await q.transactions.run((tx) => q.queue.enqueue(tx, 'slow-down', 's', 'x'));
    await eventually('the first run asked to come back', async () => runs.length === 1 && (await q.row('slow-down', 's'))?.status === 'pending');
    const waiting = await q.row('slow-down', 's');
    expect(waiting).toMatchObject({ attempts: 0, lastError: null, lockedBy: null });
    expect(waiting!.runAfter.getTime()).toBeGreaterThan(Date.now() - 1000);
    await eventually('the second run finished it', async () => (await q.row('slow-down', 's'))?.status === 'done');
    expect(runs.map((r) => r.attempt)).toEqual([1, 1]);
  });

  it('a throwing handler is retried with backoff, then stays failed (secrets cut), until retry(id)', async () => {
    let healthy = false;
    const { runs, handler } = recorder(
      'flaky',
      () => {
        if (!healthy) throw new Error('Stripe said no to sk_test_abcdef123 at https://api.stripe.com/v1/x');
        return 'done';
      },
      3,
    );
    q.queue.register(handler);
    await q.transactions.run((tx) => q.queue.enqueue(tx, 'flaky', 'f', {}));
    await eventually('three attempts then failed', async () => (await q.row('flaky', 'f'))?.status === 'failed');
    expect(runs.map((r) => r.attempt)).toEqual([1, 2, 3]);
    const failed = await q.row('flaky', 'f');
    expect(failed).toMatchObject({ attempts: 3, lockedBy: null, lastError: 'Error: Stripe said no to sk_*** at <url>' });
    expect(q.log.messages('error').join('\n')).toContain('Work item flaky/f failed after 3 attempts and stays failed');
    expect(q.log.messages('warn').join('\n')).toContain('Work item flaky/f failed (attempt 1 of 3); retrying in');
    const listed = await q.queue.failed();
    expect(listed.map((f) => [f.kind, f.key, f.attempts])).toContainEqual(['flaky', 'f', 3]);
    expect(await q.queue.retry('999999')).toBe(false);
    expect(await q.queue.retry('not a number')).toBe(false);
    healthy = true;
    expect(await q.queue.retry(failed!.id)).toBe(true);
    await eventually('the retried item is done', async () => (await q.row('flaky', 'f'))?.status === 'done');
    expect(runs.at(-1)?.attempt).toBe(1);
    expect(await q.queue.retry(failed!.id)).toBe(false);
  });

  it('items sharing an order key never run at once, and run in enqueue order', async () => {
    let active = 0;
    let overlapped = false;
    const order: string[] = [];
    const { handler } = recorder('ordered', async (item) => {
      const billable = (item.payload as { b: string }).b;
      active += billable === 'one' ? 1 : 0;
      if (active > 1) overlapped = true;
      order.push(item.key);
      await new Promise((resolve) => setTimeout(resolve, 5));
      active -= billable === 'one' ? 1 : 0;
      return 'done' as const;
    });
    await q.transactions.run(async (tx) => {
      for (let i = 0; i < 10; i++) {
        await q.queue.enqueue(tx, 'ordered', `one-${i}`, { b: 'one' }, { orderKey: 'billable:one' });
        await q.queue.enqueue(tx, 'ordered', `two-${i}`, { b: 'two' }, { orderKey: 'billable:two' });
      }
    });
    q.queue.register(handler);
    await eventually('all 20 ran', () => order.length === 20);
    expect(overlapped).toBe(false);
    expect(order.filter((k) => k.startsWith('one-'))).toEqual(Array.from({ length: 10 }, (_, i) => `one-${i}`));
    expect(order.filter((k) => k.startsWith('two-'))).toEqual(Array.from({ length: 10 }, (_, i) => `two-${i}`));
  });

  it('a failed item does not hold back the later items of its order key', async () => {
    const { runs, handler } = recorder('poisoned', (item) => {
      if (item.key === 'first') throw new Error('poison');
      return 'done';
    }, 1);
    await q.transactions.run(async (tx) => {
      await q.queue.enqueue(tx, 'poisoned', 'first', 1, { orderKey: 'o' });
      await q.queue.enqueue(tx, 'poisoned', 'second', 2, { orderKey: 'o' });
    });
    q.queue.register(handler);
    await eventually('the second ran', () => runs.some((r) => r.key === 'second'));
    expect(runs.map((r) => r.key)).toEqual(['first', 'second']);
    expect((await q.row('poisoned', 'first'))?.status).toBe('failed');
  });

  it('stats count items per kind and status, and how late the oldest due item is', async () => {
    const hold = gate();
    const { handler } = recorder('counted', async () => {
      await hold.wait;
      return 'done' as const;
    });
    await q.transactions.run(async (tx) => {
      await q.queue.enqueue(tx, 'counted-later', 'late', 1, { runAfter: new Date(Date.now() - 120_000) });
      await q.queue.enqueue(tx, 'counted', 'c', 1);
    });
    q.queue.register(handler);
    await eventually('it runs', async () => (await q.row('counted', 'c'))?.status === 'running');
    const stats = await q.queue.stats();
    expect(stats.find((s) => s.kind === 'counted')).toEqual({ kind: 'counted', pending: 0, running: 1, done: 0, failed: 0, oldestDueSeconds: 0 });
    const late = stats.find((s) => s.kind === 'counted-later');
    expect(late).toMatchObject({ pending: 1, running: 0 });
    expect(late!.oldestDueSeconds).toBeGreaterThanOrEqual(119);
    expect(stats.find((s) => s.kind === 'flaky')).toMatchObject({ done: 1, failed: 0 });
    hold.open();
    await q.queue.drain('counted');
  });
});

describe('backoffMs', () => {
  it('doubles from the base up to the cap, with jitter between half and all of it', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 1000, 5000, () => 1))).toEqual([1000, 2000, 4000, 5000]);
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 1000, 5000, () => 0))).toEqual([500, 1000, 2000, 2500]);
    expect(backoffMs(100, 1000, 300_000, () => 1)).toBe(300_000);
  });
});
