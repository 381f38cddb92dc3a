import { describeEachDb } from '../support/test-databases';
import type { WorkItemStore } from '../../lib/queue/work-item.store';
import { eventually, gate, QueueApp, queueAppPerSuite } from './queue-kit';

const CONCURRENCY = 10;

describeEachDb(['sqlite', 'postgres'])('WorkQueue.drain on %s', (kind) => {
  const app = queueAppPerSuite(kind, { workers: false, concurrency: CONCURRENCY });
  let q: QueueApp;

  beforeAll(() => (q = app()));

  it('fills the slots freed while its claim was out at once, without waiting for another run to end', async () => {
    // Every run waits for the test, so no run ends unless the test says: a drain that waits for the
    // next run to end after a full claim never fills the slots that were freed during that claim.
    const gates = new Map<number, ReturnType<typeof gate>>();
    let running = 0;
    q.queue.register({
      kind: 'held',
      run: async (item) => {
        running++;
        await gates.get(item.payload as number)!.wait;
        running--;
        return 'done';
      },
    });
    const items = Array.from({ length: 20 }, (_, i) => (gates.set(i, gate()), { key: `h${i}`, payload: i }));
    await q.transactions.run((tx) => q.queue.enqueueMany(tx, 'held', items));
    const store = (q.queue as unknown as { store: WorkItemStore }).store;
    const claim = store.claim.bind(store);
    let claims = 0;
    let secondClaimed = false;
    jest.spyOn(store, 'claim').mockImplementation(async (...args: Parameters<WorkItemStore['claim']>) => {
      // The second claim (for the slot run 0 freed): runs 1-5 end while it is out.
      if (++claims !== 2) return claim(...args);
      for (let i = 1; i <= 5; i++) gates.get(i)!.open();
      await eventually('runs 1-5 ended and recorded', () => running === 4 && q.queue.inFlightCount === 4);
      const claimed = await claim(...args);
      secondClaimed = true;
      return claimed;
    });
    const drained = q.queue.drain('held');
    try {
      await eventually('the first claim filled the 10 slots', () => running === CONCURRENCY);
      gates.get(0)!.open();
      await eventually('the 5 slots freed during the second claim are filled again', () => secondClaimed && running === CONCURRENCY);
    } finally {
      for (const g of gates.values()) g.open();
      jest.restoreAllMocks();
    }
    expect(await drained).toBe(20);
    expect(claims).toBeGreaterThanOrEqual(3);
  });
});
