import { Harness } from '../support/reliability-harness';
import { INSTANCES, report, rngFor, sized } from '../support/reliability-env';
import { Lifecycle, runLifecycles } from '../support/lifecycles';
import { deliveryFigures, diffAgainstStripe, lostAndTwice } from '../support/oracle';

/**
 * R1: at least 1,000 distinct lifecycle events, each delivered 3 times in a seeded shuffled order,
 * 20 in flight, through a round-robin proxy to two instances on one PostgreSQL database.
 */
export async function r1Lifecycle(h: Harness): Promise<void> {
  const started = Date.now();
  const rng = rngFor('R1');
  const target = sized({ ci: 1000, full: 1000 });
  const fromEvent = h.fake.events.length;
  const fromDelivery = h.fake.deliveries.length;
  h.fake.pauseDeliveries();
  h.fake.setDelivery({ times: 3, shuffle: true, concurrency: 20, delayMs: [0, 10] });
  const lives: Lifecycle[] = [];
  // Batches until the fake has emitted the target number of events (earlier batches keep renewing).
  while (h.fake.events.length - fromEvent < target) lives.push(...(await runLifecycles(h, rng, 15)));
  const eventIds = h.fake.events.slice(fromEvent).map((e) => e.id);
  h.fake.resumeDeliveries();
  await h.fake.waitForDeliveries(sized({ ci: 240_000, full: 600_000 }));
  h.fake.setDelivery({ times: 1, shuffle: false, concurrency: 1, delayMs: 0 });

  const { lost, twice, notProcessed } = await lostAndTwice(h, eventIds);
  const diffs = await diffAgainstStripe(h, lives.map((l) => l.user.id));
  const d = deliveryFigures(h, fromDelivery);
  const statuses: Record<string, number> = {};
  for (const l of lives) {
    const status = h.fake.state.subscriptions.get(l.subscriptionId)?.status ?? 'missing';
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  const perInstance = h.proxy.statuses.map((s) => Object.values(s).reduce((a, b) => a + b, 0)).join('/');
  report('R1', `lifecycle x3 shuffled, 20 concurrent, ${INSTANCES} instances`, {
    billables: lives.length, events: eventIds.length, deliveries: d.deliveries, perInstance, lost: lost.length,
    notProcessed: notProcessed.length, appliedTwice: twice.length, '5xx': d.fivexx, non2xx: d.non2xx, dbDiff: diffs.length,
    finalStatuses: Object.entries(statuses).map(([k, v]) => `${k}:${v}`).join(','),
  }, started);
  expect(eventIds.length).toBeGreaterThanOrEqual(target);
  expect(d.deliveries).toBeGreaterThanOrEqual(eventIds.length * 3);
  expect(lost).toEqual([]);
  expect(notProcessed).toEqual([]);
  expect(twice).toEqual([]);
  expect(d.fivexx).toBe(0);
  expect(diffs).toEqual([]);
}
