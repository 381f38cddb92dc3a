import { WebhookOperations } from '../../../lib';
import { Lifecycle, runLifecycles } from '../support/lifecycles';
import { diffAgainstStripe, lostAndTwice } from '../support/oracle';
import { report, rngFor, sized } from '../support/reliability-env';
import { Harness } from '../support/reliability-harness';

/**
 * R18: catch-up after events were never delivered. Every event of a batch of lifecycles is dropped
 * by the fake (an endpoint down past Stripe's retries); then `events:catch-up` runs on BOTH
 * instances at once over the same window. Must hold: every event applied (lost 0), none twice, the
 * billables equal Stripe (DB diff 0), nothing failed.
 */
export async function r18CatchUp(h: Harness): Promise<void> {
  const started = Date.now();
  const rng = rngFor('R18');
  const target = sized({ ci: 500, full: 500 });
  const since = new Date(h.fake.now() * 1000);
  const fromEvent = h.fake.events.length;
  const fromDelivery = h.fake.deliveries.length;
  h.fake.setDelivery({ times: 1, shuffle: false, concurrency: 1, delayMs: 0, drop: () => true });
  const lives: Lifecycle[] = [];
  try {
    while (h.fake.events.length - fromEvent < target) lives.push(...(await runLifecycles(h, rng, 12)));
  } finally {
    h.fake.setDelivery({ times: 1, shuffle: false, concurrency: 1, delayMs: 0, drop: () => false });
  }
  const eventIds = h.fake.events.slice(fromEvent).map((e) => e.id);
  const delivered = h.fake.deliveries.length - fromDelivery;
  const before = await lostAndTwice(h, eventIds);

  const [a, b] = await Promise.all(h.apps.map((app) => app.app.get(WebhookOperations).catchUp(since)));
  const { lost, twice, notProcessed } = await lostAndTwice(h, eventIds);
  const diffs = await diffAgainstStripe(h, lives.map((l) => l.user.id));
  report('R18', 'catch-up after undelivered events, on both instances at once', {
    billables: lives.length, events: eventIds.length, deliveredBefore: delivered, lostBefore: before.lost.length,
    listedA: a.listed, processedA: a.processed, processedB: b.processed, ignored: a.ignored + b.ignored,
    inProgressSeen: a.inProgress + b.inProgress, failed: a.failed.length + b.failed.length,
    lost: lost.length, notProcessed: notProcessed.length, appliedTwice: twice.length, dbDiff: diffs.length,
  }, started);
  expect(eventIds.length).toBeGreaterThanOrEqual(target);
  expect(delivered).toBe(0);
  expect(before.lost.length).toBe(eventIds.length);
  expect([...a.failed, ...b.failed]).toEqual([]);
  expect(lost).toEqual([]);
  expect(notProcessed).toEqual([]);
  expect(twice).toEqual([]);
  expect(diffs).toEqual([]);
}
