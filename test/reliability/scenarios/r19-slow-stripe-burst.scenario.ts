import { pool } from '../support/http-client';
import { Lifecycle, runLifecycles } from '../support/lifecycles';
import { diffAgainstStripe, lostAndTwice } from '../support/oracle';
import { report, rngFor, SCALE, sized, WEBHOOK_MODE } from '../support/reliability-env';
import { Harness } from '../support/reliability-harness';
import { sendEvent, undelivered } from '../support/webhook-sender';

/** Stripe's answer time during the burst (below the harness's 3 s client timeout). */
const STRIPE_LATENCY_MS = 2_000;

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

/**
 * R19: a burst of events while Stripe answers every call in 2 s (a slow or degraded Stripe): the
 * events of a batch of lifecycles, each delivered twice, 20 in flight over both instances. Queued
 * mode acknowledges without waiting for Stripe and the workers catch up; inline mode answers once
 * the re-fetch returned. Either way: 5xx 0, lost 0, applied twice 0, DB diff 0. Ack times reported.
 */
export async function r19SlowStripeBurst(h: Harness): Promise<void> {
  const started = Date.now();
  const rng = rngFor('R19');
  let lives: Lifecycle[] = [];
  const events = await undelivered(h, async () => {
    lives = await runLifecycles(h, rng, sized({ ci: 2, full: 20 }));
  });
  const copies = [...events, ...events];
  const order = rng.shuffle(copies.map((_, i) => i));
  h.fake.faults.setLatency(STRIPE_LATENCY_MS, { method: 'GET', path: /^\/v1\// });
  let answers: { status: number; ms: number }[] = [];
  let drainMs = 0;
  try {
    answers = await pool(20, copies.length, (i) => sendEvent(h, i, copies[order[i]]));
    const acknowledgedAt = Date.now();
    // Full scale: Stripe stays slow until everything is processed. CI scale: for 3 s more, then the
    // backlog drains at full speed (two events of one billable run one after the other, 2 s each).
    const slowFor = sized({ ci: 3_000, full: Infinity });
    if (Number.isFinite(slowFor)) {
      await new Promise((resolve) => setTimeout(resolve, slowFor));
      h.fake.faults.setLatency(0);
    }
    await h.settle();
    drainMs = Date.now() - acknowledgedAt;
  } finally {
    h.fake.faults.setLatency(0);
  }
  const eventIds = events.map((e) => e.id);
  const { lost, twice, notProcessed } = await lostAndTwice(h, eventIds);
  const diffs = await diffAgainstStripe(h, lives.map((l) => l.user.id));
  const ms = answers.map((a) => a.ms);
  const fivexx = answers.filter((a) => a.status >= 500).length;
  report('R19', `burst while Stripe answers in ${STRIPE_LATENCY_MS / 1000} s (${WEBHOOK_MODE})`, {
    events: events.length, deliveries: copies.length, stripeLatencyMs: STRIPE_LATENCY_MS,
    ackP50ms: percentile(ms, 50), ackP99ms: percentile(ms, 99), acksSlowerThanStripe: ms.filter((x) => x >= STRIPE_LATENCY_MS).length,
    drainAfterLastAckMs: drainMs, slowAfterLastAck: SCALE === 'ci' ? '3s' : 'until drained', '5xx': fivexx, non2xx: answers.filter((a) => a.status < 200 || a.status >= 300).length,
    lost: lost.length, notProcessed: notProcessed.length, appliedTwice: twice.length, dbDiff: diffs.length,
  }, started);
  expect(fivexx).toBe(0);
  expect(lost).toEqual([]);
  expect(notProcessed).toEqual([]);
  expect(twice).toEqual([]);
  expect(diffs).toEqual([]);
}
