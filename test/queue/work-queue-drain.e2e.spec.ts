import { describeEachDb } from '../support/test-databases';
import { QueueApp, queueAppPerSuite } from './queue-kit';

const CONCURRENCY = 10;

describeEachDb(['sqlite', 'postgres'])('WorkQueue.drain on %s', (kind) => {
  const app = queueAppPerSuite(kind, { workers: false, concurrency: CONCURRENCY });
  let q: QueueApp;

  beforeAll(() => (q = app()));

  it('keeps its slots busy: slots freed while a claim was out are filled at once, not after the next run ends', async () => {
    // Runs going on, averaged over the time from the first start to the last end.
    let running = 0;
    let area = 0;
    let first = 0;
    let last = 0;
    const change = (by: number) => {
      const now = performance.now();
      if (running > 0) area += running * (now - last);
      else if (first === 0) first = now;
      last = now;
      running += by;
    };
    q.queue.register({
      kind: 'busy',
      run: async () => {
        change(1);
        // Runs of equal length: the items a claim took end together, as webhook runs waiting on Stripe do.
        await new Promise((resolve) => setTimeout(resolve, 50));
        change(-1);
        return 'done';
      },
    });
    const items = Array.from({ length: 150 }, (_, i) => ({ key: `b${i}`, payload: i }));
    await q.transactions.run((tx) => q.queue.enqueueMany(tx, 'busy', items));
    expect(await q.queue.drain('busy')).toBe(150);
    // Waiting for the next run to end after each claim left slots empty for whole runs: ~6 of 10 busy.
    expect(area / (last - first)).toBeGreaterThan(CONCURRENCY * 0.75);
  });
});
