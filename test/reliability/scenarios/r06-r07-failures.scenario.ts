import { Client } from 'pg';
import { runLifecycles } from '../support/lifecycles';
import { applications, deliveryFigures, diffAgainstStripe, lostAndTwice } from '../support/oracle';
import { probeControl } from '../support/reliability-probe';
import { report, rngFor, sized, WEBHOOK_MODE } from '../support/reliability-env';
import { Harness } from '../support/reliability-harness';

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Events whose every delivery failed are resent, as Stripe keeps retrying for days. */
function redeliverUnanswered(h: Harness, eventIds: string[], fromDelivery: number): number {
  const ok = new Set(h.fake.deliveries.slice(fromDelivery).filter((d) => typeof d.status === 'number' && d.status < 300).map((d) => d.eventId));
  const missing = eventIds.filter((id) => !ok.has(id));
  for (const id of missing) h.fake.redeliver(id);
  return missing.length;
}

/**
 * R6: the database goes away while webhooks are processed: some transactions lose their
 * connection mid-way, and the whole database refuses connections for a while (every backend
 * terminated, new connections refused), then comes back.
 */
export async function r6DatabaseStops(h: Harness): Promise<void> {
  const started = Date.now();
  const rng = rngFor('R6');
  const fromEvent = h.fake.events.length;
  const fromDelivery = h.fake.deliveries.length;
  h.fake.pauseDeliveries();
  h.fake.setDelivery({ times: 2, shuffle: true, concurrency: 10, delayMs: [0, 10] });
  const lives = await runLifecycles(h, rng, sized({ ci: 10, full: 40 }));
  const eventIds = h.fake.events.slice(fromEvent).map((e) => e.id);
  for (const id of eventIds) if (rng.next() < 0.05) probeControl.killConnectionOnce.add(id);
  const killedBefore = probeControl.killed;
  const database = (h.db.options as { url: string }).url.split('/').pop()!;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  h.fake.resumeDeliveries();
  const outageMs = 1500;
  // The outage starts once a third of the deliveries went out, mid-stream.
  while (h.fake.deliveries.length - fromDelivery < eventIds.length * 0.6) await new Promise((r) => setTimeout(r, 10));
  const outageFrom = h.fake.deliveries.length;
  await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
  await new Promise((r) => setTimeout(r, outageMs));
  await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
  const duringOutage = h.fake.deliveries.slice(outageFrom);
  await admin.end();
  await h.fake.waitForDeliveries(180_000);

  // Before any resend: an event answered 2xx must have committed (its application row exists).
  const counts = await applications(h, eventIds);
  const answered2xx = new Set(h.fake.deliveries.slice(fromDelivery).filter((d) => typeof d.status === 'number' && d.status < 300).map((d) => d.eventId));
  const okWithoutCommit = [...answered2xx].filter((id) => counts.get(id) !== 1);
  const resent = redeliverUnanswered(h, eventIds, fromDelivery);
  await h.fake.waitForDeliveries(60_000);
  h.fake.setDelivery({ times: 1, shuffle: false, concurrency: 1, delayMs: 0 });
  const { lost, twice, notProcessed } = await lostAndTwice(h, eventIds);
  const diffs = await diffAgainstStripe(h, lives.map((l) => l.user.id));
  const d = deliveryFigures(h, fromDelivery);
  const failedDuringOutage = duringOutage.filter((x) => x.status === 'error' || x.status >= 500).length;
  const ok2xxDuringOutage = duringOutage.filter((x) => typeof x.status === 'number' && x.status < 300).length;
  report('R6', 'database stops mid-processing', {
    events: eventIds.length, deliveries: d.deliveries, connectionsKilledInTx: probeControl.killed - killedBefore, outageMs,
    deliveriesDuringOutage: duringOutage.length, failedDuringOutage, ok2xxDuringOutage, '2xxWithoutCommit': okWithoutCommit.length,
    resentAfterRecovery: resent, lost: lost.length, notProcessed: notProcessed.length, appliedTwice: twice.length, dbDiff: diffs.length,
  }, started);
  expect(probeControl.killed - killedBefore).toBeGreaterThan(0);
  expect(okWithoutCommit).toEqual([]);
  expect(lost).toEqual([]);
  expect(notProcessed).toEqual([]);
  expect(twice).toEqual([]);
  expect(diffs).toEqual([]);
}

/**
 * R7: an app handler throws after writing: its partial writes vanish and the event stays
 * retryable: answered 5xx (inline, Stripe retries) or retried by the queue after its 2xx (queued).
 */
export async function r7HandlerThrows(h: Harness): Promise<void> {
  const started = Date.now();
  const rng = rngFor('R7');
  const fromEvent = h.fake.events.length;
  const fromDelivery = h.fake.deliveries.length;
  h.fake.pauseDeliveries();
  h.fake.setDelivery({ times: 1, shuffle: true, concurrency: 10, delayMs: [0, 5] });
  const lives = await runLifecycles(h, rng, sized({ ci: 8, full: 30 }));
  const eventIds = h.fake.events.slice(fromEvent).map((e) => e.id);
  const sabotaged = eventIds.filter(() => rng.next() < 0.2);
  for (const id of sabotaged) probeControl.throwOnce.add(id);
  const thrownBefore = probeControl.thrown;
  h.fake.resumeDeliveries();
  await h.fake.waitForDeliveries(120_000);
  const resent = redeliverUnanswered(h, eventIds, fromDelivery);
  await h.fake.waitForDeliveries(60_000);
  h.fake.setDelivery({ times: 1, shuffle: false, concurrency: 1, delayMs: 0 });
  const deliveries = h.fake.deliveries.slice(fromDelivery);
  const firstAnswers = new Map<string, number | 'error'>();
  for (const x of deliveries) if (!firstAnswers.has(x.eventId)) firstAnswers.set(x.eventId, x.status);
  const not5xxFirst = sabotaged.filter((id) => { const s = firstAnswers.get(id); return s !== 'error' && s !== undefined && s < 500; });
  const partial: { n: string }[] = await h.sql.query('SELECT COUNT(*) AS n FROM reliability_partial WHERE event_id = ANY($1)', [eventIds]);
  const { lost, twice, notProcessed } = await lostAndTwice(h, eventIds);
  const diffs = await diffAgainstStripe(h, lives.map((l) => l.user.id));
  report('R7', 'a handler throws', {
    events: eventIds.length, thrown: probeControl.thrown - thrownBefore, answered5xxFirst: sabotaged.length - not5xxFirst.length, not5xxOnThrow: not5xxFirst.length,
    partialWritesLeft: Number(partial[0].n), resent, lost: lost.length, notProcessed: notProcessed.length, appliedTwice: twice.length, dbDiff: diffs.length,
  }, started);
  expect(probeControl.thrown - thrownBefore).toBe(sabotaged.length);
  // Inline: the throw is Stripe's 5xx. Queued: the event was acknowledged before it ran; the queue retried it.
  if (WEBHOOK_MODE === 'inline') expect(not5xxFirst).toEqual([]);
  else expect(not5xxFirst.length).toBe(sabotaged.length);
  expect(Number(partial[0].n)).toBe(0);
  expect(lost).toEqual([]);
  expect(notProcessed).toEqual([]);
  expect(twice).toEqual([]);
  expect(diffs).toEqual([]);
}
