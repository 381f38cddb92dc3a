import { CounterBatcher } from '../../lib/usage/counter-batcher';

/** An in-memory counter with the same conditional-update rule as the SQL, and a slow "database". */
function counterStore(used = 0) {
  const calls: { quantity: number; limit: number }[] = [];
  let pendingTicks = 0;
  const apply = async (_id: number, quantity: number, limit: number) => {
    calls.push({ quantity, limit });
    pendingTicks++;
    await new Promise((resolve) => setImmediate(resolve));
    pendingTicks--;
    if (limit >= 0 && used + quantity > limit) return false;
    used += quantity;
    return true;
  };
  return { apply, calls, get used() { return used; }, get inFlight() { return pendingTicks; } };
}

describe('CounterBatcher', () => {
  it('sends the requests that queue behind an update as one summed update', async () => {
    const store = counterStore();
    const batcher = new CounterBatcher(store.apply);
    const results = await Promise.all(Array.from({ length: 20 }, () => batcher.increment(1, 1, 100)));
    expect(results.every(Boolean)).toBe(true);
    expect(store.used).toBe(20);
    expect(store.calls).toEqual([{ quantity: 1, limit: 100 }, { quantity: 19, limit: 100 }]);
  });

  it('falls back to one update per request, in order, when the sum does not fit: exactly the limit is admitted', async () => {
    const store = counterStore(45);
    const batcher = new CounterBatcher(store.apply);
    const quantities = [1, 2, 3, 1, 1, 4, 1];
    const results = await Promise.all(quantities.map((q) => batcher.increment(1, q, 50)));
    // 45 + 1 = 46 alone; then the batch [2,3,1,1,4,1] = 12 does not fit; singly: 48, 51 no, 49, 50, 54 no, 51 no.
    expect(results).toEqual([true, true, false, true, true, false, false]);
    expect(store.used).toBe(50);
  });

  it('with gather (synchronous drivers), waits one loop turn so the first request and those queued meanwhile go as one update', async () => {
    const calls: number[] = [];
    // Resolves without yielding to I/O, as better-sqlite3 does.
    const batcher = new CounterBatcher(async (_id, quantity) => (calls.push(quantity), true), { gather: true });
    const results = await Promise.all([1, 2, 3].map((q) => batcher.increment(1, q, -1)));
    expect(results).toEqual([true, true, true]);
    expect(calls).toEqual([6]);
  });

  it('never sums requests that carry different limits', async () => {
    const store = counterStore();
    const batcher = new CounterBatcher(store.apply);
    await Promise.all([batcher.increment(1, 1, 10), batcher.increment(1, 1, 10), batcher.increment(1, 1, 20)]);
    expect(store.calls.map((c) => c.quantity)).toEqual([1, 1, 1]);
    expect(store.used).toBe(3);
  });

  it('rejects the unanswered requests of a batch when the database fails, and recovers', async () => {
    let fail = true;
    const batcher = new CounterBatcher(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      if (fail) throw new Error('db down');
      return true;
    });
    const outcomes = await Promise.allSettled([batcher.increment(1, 1, -1), batcher.increment(1, 1, -1)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(batcher.increment(1, 1, -1)).resolves.toBe(true);
  });
});
