import { Client } from 'pg';
import type Stripe from 'stripe';
import { Lifecycle, runLifecycles } from '../support/lifecycles';
import { diffAgainstStripe, lostAndTwice } from '../support/oracle';
import { report, rngFor, sized } from '../support/reliability-env';
import { Harness } from '../support/reliability-harness';
import { undelivered } from '../support/webhook-sender';

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends the events as Stripe would (its retries included) and waits until every delivery settled. */
async function deliverDuring(h: Harness, events: Stripe.Event[], outageMs: number, start: () => Promise<void>, stop: () => Promise<void>): Promise<void> {
  await start();
  try {
    for (const event of events) h.fake.redeliver(event.id);
    await sleep(outageMs);
  } finally {
    await stop();
  }
  await h.fake.waitForDeliveries(120_000);
}

/**
 * R15: webhooks arrive while the database is unreachable (every connection refused and every
 * backend terminated) and then while it fails every statement on the inbox (its table gone).
 * Each 5xx answer must come with an error line naming the event, so an operator can find it even
 * though no inbox row could be written; Stripe's retries then deliver everything once it is back.
 */
export async function r15SilentWebhookFailures(h: Harness): Promise<void> {
  const started = Date.now();
  const rng = rngFor('R15');
  let lives: Lifecycle[] = [];
  const events = await undelivered(h, async () => {
    lives = await runLifecycles(h, rng, sized({ ci: 6, full: 20 }));
  });
  const unreachable = events.filter((_, i) => i % 2 === 0);
  const failing = events.filter((_, i) => i % 2 === 1);
  const fromDelivery = h.fake.deliveries.length;
  const fromLog = h.capture.logs.length;
  h.fake.setDelivery({ times: 1, shuffle: true, concurrency: 10, delayMs: [0, 10] });

  const database = (h.db.options as { url: string }).url.split('/').pop()!;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const outageMs = 1500;
  try {
    await deliverDuring(
      h, unreachable, outageMs,
      async () => {
        await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
      },
      async () => {
        await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
      },
    );
  } finally {
    await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
    await admin.end();
  }
  const afterUnreachable = h.fake.deliveries.length;
  await deliverDuring(
    h, failing, outageMs,
    () => h.sql.query('ALTER TABLE payments_webhook_events RENAME TO payments_webhook_events_gone').then(() => undefined),
    () => h.sql.query('ALTER TABLE payments_webhook_events_gone RENAME TO payments_webhook_events').then(() => undefined),
  );
  h.fake.setDelivery({ times: 1, shuffle: false, concurrency: 1, delayMs: 0 });

  // Every 5xx answer against the error lines that name its event.
  const deliveries = h.fake.deliveries.slice(fromDelivery);
  const errorLines = h.capture.logs.slice(fromLog).filter((line) => / error /.test(line.slice(0, 20)));
  let answered5xx = 0;
  let silent = 0;
  let extraLines = 0;
  for (const event of events) {
    const fivexx = deliveries.filter((d) => d.eventId === event.id && typeof d.status === 'number' && d.status >= 500).length;
    const lines = errorLines.filter((line) => line.includes(event.id) && line.includes(event.type)).length;
    answered5xx += fivexx;
    silent += Math.max(0, fivexx - lines);
    extraLines += Math.max(0, lines - fivexx);
  }
  const eventIds = events.map((e) => e.id);
  const { lost, twice, notProcessed } = await lostAndTwice(h, eventIds);
  const diffs = await diffAgainstStripe(h, lives.map((l) => l.user.id));
  const count = (list: typeof deliveries, test: (s: number | 'error') => boolean) => list.filter((d) => test(d.status)).length;
  report('R15', 'webhooks while the database is unreachable, then failing', {
    events: events.length, deliveries: deliveries.length, outageMs,
    '5xxUnreachable': count(h.fake.deliveries.slice(fromDelivery, afterUnreachable), (s) => typeof s === 'number' && s >= 500),
    '5xxFailing': count(h.fake.deliveries.slice(afterUnreachable), (s) => typeof s === 'number' && s >= 500),
    transportErrors: count(deliveries, (s) => s === 'error'),
    answered5xx, errorLinesNamingTheEvent: answered5xx - silent + extraLines, silentWebhook5xx: silent, extraErrorLines: extraLines,
    lost: lost.length, notProcessed: notProcessed.length, appliedTwice: twice.length, dbDiff: diffs.length,
  }, started);
  // Both kinds of failure must really have happened, or the scenario proves nothing.
  expect(count(h.fake.deliveries.slice(fromDelivery, afterUnreachable), (s) => typeof s === 'number' && s >= 500)).toBeGreaterThan(0);
  expect(count(h.fake.deliveries.slice(afterUnreachable), (s) => typeof s === 'number' && s >= 500)).toBeGreaterThan(0);
  expect(silent).toBe(0);
  expect(extraLines).toBe(0);
  expect(lost).toEqual([]);
  expect(notProcessed).toEqual([]);
  expect(twice).toEqual([]);
  expect(diffs).toEqual([]);
}
