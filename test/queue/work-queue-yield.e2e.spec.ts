import { channel } from 'node:diagnostics_channel';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { FakeStripe } from '../../lib/testing';
import { nextAllowance, RunAllowance } from '../../lib/queue/run-allowance';
import type { WorkQueueOptions } from '../../lib';
import { createTestDatabase } from '../support/test-databases';
import { eventually, QueueApp, queueAppPerSuite, startQueueApp } from './queue-kit';

const CONCURRENCY = 10;
const ITEMS = 2_000;

/** Holds the event loop for `ms` (a request or a run that costs CPU). */
function busyFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** An HTTP server in this process whose every request keeps the loop busy for 8 ms, and a client keeping 3 in flight. */
async function busyTraffic(): Promise<{ stop: () => Promise<void>; answered: () => number }> {
  const server: Server = createServer((_req, res) => {
    busyFor(8);
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  let running = true;
  let answered = 0;
  const clients = Array.from({ length: 3 }, async () => {
    while (running) {
      await (await fetch(url)).text();
      answered++;
    }
  });
  return {
    answered: () => answered,
    stop: async () => {
      running = false;
      await Promise.all(clients);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Samples how many runs are in flight every 10 ms for `ms`. */
async function sampleRunning(running: () => number, ms: number): Promise<number[]> {
  const samples: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    samples.push(running());
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return samples;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Starts draining `ITEMS` items whose runs take ~40 ms (and `work` each), then samples the runs in
 * flight while `during` is going on (after 600 ms for the allowance to settle).
 */
async function drainWhile(q: QueueApp, kind: string, work: () => Promise<void> | void, during: () => Promise<{ stop: () => Promise<void> }>) {
  let running = 0;
  let stopped = false;
  q.queue.register({
    kind,
    run: async () => {
      running++;
      try {
        if (!stopped) await work();
        await new Promise((resolve) => setTimeout(resolve, stopped ? 0 : 40));
      } finally {
        running--;
      }
      return 'done';
    },
  });
  await q.transactions.run((tx) => q.queue.enqueueMany(tx, kind, Array.from({ length: ITEMS }, (_, i) => ({ key: `${kind}-${i}`, payload: i }))));
  const drained = q.queue.drain(kind);
  const background = await during();
  await new Promise((resolve) => setTimeout(resolve, 600));
  const whileBusy = await sampleRunning(() => running, 600);
  await background.stop();
  return {
    whileBusy,
    /** Waits until the runs are back to `CONCURRENCY` at once, then lets the rest finish at once. */
    finish: async () => {
      let recovered = false;
      try {
        await eventually('back to full concurrency once the traffic stopped', () => (recovered ||= running === CONCURRENCY));
      } finally {
        stopped = true;
        await drained;
      }
      return recovered;
    },
  };
}

describe('the queue yields to requests (nextAllowance)', () => {
  it('halves while requests arrived and the loop was busy, never below one; one more while requests left the loop room; doubles without requests', () => {
    expect(nextAllowance(10, 10, 0.95, 3)).toBe(5);
    expect(nextAllowance(5, 10, 0.8, 1)).toBe(2);
    expect(nextAllowance(1, 10, 1, 50)).toBe(1);
    expect(nextAllowance(4, 10, 0.5, 100)).toBe(5);
    expect(nextAllowance(10, 10, 0.5, 100)).toBe(10);
    // Busy without requests (the queue's own work): nothing to yield to, back up by doubling.
    expect(nextAllowance(1, 10, 1, 0)).toBe(2);
    expect(nextAllowance(8, 10, 0, 0)).toBe(10);
    let allowed = 1;
    for (let window = 0; window < 7; window++) allowed = nextAllowance(allowed, 100, 0, 0);
    expect(allowed).toBe(100);
  });
});

function yieldSuite(name: string, queue: WorkQueueOptions, expectYield: boolean) {
  describe(name, () => {
    const app = queueAppPerSuite('sqlite', { workers: false, concurrency: CONCURRENCY, ...queue });

    it(expectYield ? 'runs fewer at once while HTTP requests keep the loop busy, and all again once they stop' : 'runs all at once whatever the requests', async () => {
      let traffic: Awaited<ReturnType<typeof busyTraffic>> | undefined;
      const { whileBusy, finish } = await drainWhile(app(), 'yield', () => undefined, async () => (traffic = await busyTraffic()));
      expect(traffic!.answered()).toBeGreaterThan(20);
      if (expectYield) {
        // Measured: 0.6 on average, at most 1 (halved from 10 within 300 ms, then held at one).
        expect(mean(whileBusy)).toBeLessThanOrEqual(2);
        expect(Math.max(...whileBusy)).toBeLessThanOrEqual(3);
      } else {
        // Measured: 6.7 on average (the busy loop delays claims too), reaching all 10.
        expect(mean(whileBusy)).toBeGreaterThanOrEqual(4);
        expect(Math.max(...whileBusy)).toBeGreaterThanOrEqual(CONCURRENCY - 2);
      }
      expect(await finish()).toBe(true);
    });
  });
}

yieldSuite('WorkQueue with yieldToRequests (the default) on sqlite', {}, true);
yieldSuite('WorkQueue with yieldToRequests: false on sqlite', { yieldToRequests: false }, false);

describe('WorkQueue runs calling an in-process FakeStripe on sqlite', () => {
  const app = queueAppPerSuite('sqlite', { workers: false, concurrency: CONCURRENCY });
  let fake: FakeStripe;
  beforeAll(async () => (fake = await FakeStripe.start({ seed: 7 })));
  afterAll(() => fake?.stop());

  it("do not yield to their own Stripe calls: the fake's requests are not the app's traffic", async () => {
    const stripe = fake.client();
    const allowance = (app().queue as unknown as { allowance: RunAllowance }).allowance;
    const limits: number[] = [];
    // Each run keeps the loop busy and calls Stripe: a busy loop with requests, none of them the app's.
    const work = async () => {
      busyFor(4);
      limits.push(allowance.limit);
      await stripe.customers.list({ limit: 1 });
    };
    const { finish } = await drainWhile(app(), 'stripe-calls', work, async () => ({ stop: async () => undefined }));
    expect(fake.requests.length).toBeGreaterThan(20);
    // Counting the fake's requests, the allowance fell to 5 here (5.7 runs at once on average).
    expect(Math.min(...limits)).toBe(CONCURRENCY);
    expect(await finish()).toBe(true);
  });
});

describe('WorkQueue workers with yieldToRequests on sqlite', () => {
  it('watch requests while the workers run and stop watching when the app closes', async () => {
    const requests = channel('http.server.request.start');
    const before = requests.hasSubscribers;
    const db = await createTestDatabase('sqlite');
    const q = await startQueueApp(db, { workers: true });
    try {
      expect(before).toBe(false);
      expect(requests.hasSubscribers).toBe(true);
    } finally {
      await q.close();
      await db.drop();
    }
    expect(requests.hasSubscribers).toBe(false);
  });
});
