import { r1Lifecycle } from './scenarios/r01-lifecycle.scenario';
import { r2SameInstant, r3Permutations } from './scenarios/r02-r03-duplicates-order.scenario';
import { r4OwnWriteRacesWebhook, r5ParallelCheckouts } from './scenarios/r04-r05-races.scenario';
import { r6DatabaseStops, r7HandlerThrows } from './scenarios/r06-r07-failures.scenario';
import { r8StripeFaults } from './scenarios/r08-stripe-faults.scenario';
import { r9HostileWebhooks } from './scenarios/r09-hostile-webhooks.scenario';
import { r10Abuse } from './scenarios/r10-abuse.scenario';
import { r11Usage } from './scenarios/r11-usage.scenario';
import { r12AccessTable } from './scenarios/r12-access-table.scenario';
import { r13SecretScan } from './scenarios/r13-secret-scan.scenario';
import { r17InvalidationLatency } from './scenarios/r17-invalidation-latency.scenario';
import { r18CatchUp } from './scenarios/r18-catch-up.scenario';
import { r14KeyedRepeats } from './scenarios/r14-keyed-repeats.scenario';
import { r15SilentWebhookFailures } from './scenarios/r15-silent-webhook-failures.scenario';
import { r16StripeCallBudget } from './scenarios/r16-stripe-call-budget.scenario';
import { r19SlowStripeBurst } from './scenarios/r19-slow-stripe-burst.scenario';
import { r20WorkerKilled } from './scenarios/r20-worker-killed.scenario';
import { r21Purchases } from './scenarios/r21-purchases.scenario';
import { r22Seats } from './scenarios/r22-seats.scenario';
import { r23Meters } from './scenarios/r23-meters.scenario';
import { SCALE, scenario, SEED, WEBHOOK_MODE } from './support/reliability-env';
import { Harness, startHarness } from './support/reliability-harness';

// The reliability suite (RELIABILITY.md R1-R13): one harness, scenarios in order, R13 last over
// everything the others logged and answered. Figures go to stdout and results/last-run.json.
describe(`reliability (scale=${SCALE}, webhooks=${WEBHOOK_MODE}, seed=${SEED})`, () => {
  let h: Harness;

  beforeAll(async () => {
    process.stdout.write(`reliability suite: seed=${SEED} scale=${SCALE} webhooks=${WEBHOOK_MODE} (replay: RELIABILITY_SEED=${SEED} RELIABILITY_SCALE=${SCALE} RELIABILITY_WEBHOOK_MODE=${WEBHOOK_MODE} npm run test:reliability)\n`);
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('R1: 1,000 lifecycle events x3, shuffled, 2 instances: lost 0, applied twice 0, 5xx 0, DB diff 0', () => scenario('R1', () => r1Lifecycle(h)));
  it('R2: one event x50 at the same instant: processed once, no 5xx', () => scenario('R2', () => r2SameInstant(h)));
  it('R3: permutation samples of a lifecycle: final state = Stripe, status never goes back', () => scenario('R3', () => r3Permutations(h)));
  it('R4: the success-page sync races the webhook: one row per subscription', () => scenario('R4', () => r4OwnWriteRacesWebhook(h)));
  it('R5: 10 parallel checkouts per user: at most one open session, never two live subscriptions', () => scenario('R5', () => r5ParallelCheckouts(h)));
  it('R6: the database stops mid-processing: 5xx, never 2xx without a commit, all applied once after', () => scenario('R6', () => r6DatabaseStops(h)));
  it('R7: a handler throws: 5xx, retryable, partial writes rolled back', () => scenario('R7', () => r7HandlerThrows(h)));
  it('R8: Stripe 5xx/429/timeout/lost answer during checkout: clean 503, no duplicate customer or session', () => scenario('R8', () => r8StripeFaults(h)));
  it('R9: 10,000 forged, expired, future, malformed, oversized webhooks: accepted 0, 5xx 0', () => scenario('R9', () => r9HostileWebhooks(h)));
  it('R10: authorisation and input abuse on every route: bypasses 0, Stripe writes 0', () => scenario('R10', () => r10Abuse(h)));
  it('R11: concurrent usage over 2 instances, 10% repeated keys: lost 0, over limit 0, counted twice 0', () => scenario('R11', () => r11Usage(h)));
  it('R12: access decision table at every boundary: matches 100%', () => scenario('R12', () => r12AccessTable()));
  it('R14: keyed repeats past the limit over 2 instances: keyed repeats over the limit admitted 0, handler runs = used', () => scenario('R14', () => r14KeyedRepeats(h)));
  it('R15: webhooks while the database is unreachable, then failing: silent webhook 5xx 0, lost 0 once it is back', () => scenario('R15', () => r15SilentWebhookFailures(h)));
  it('R16: abusive users loop the Stripe-calling routes: Stripe calls per user per minute <= the budget, others unaffected', () => scenario('R16', () => r16StripeCallBudget(h)));
  it('R17: cross-instance invalidation over LISTEN/NOTIFY and Redis: every change seen on the other instance, p99 reported', () => scenario('R17', () => r17InvalidationLatency(h)));
  it('R18: catch-up after 500 undelivered events, on both instances at once: lost 0, applied twice 0, DB diff 0', () => scenario('R18', () => r18CatchUp(h)));
  it('R19: a burst while Stripe answers in 2 s: 5xx 0, lost 0, applied twice 0, DB diff 0; ack times reported', () => scenario('R19', () => r19SlowStripeBurst(h)));
  it('R20: an instance dies mid-event (queued mode): another instance completes it within seconds, applied once', () => scenario('R20', () => r20WorkerKilled(h)));
  it('R21 purchases: 2 instances, purchases some refunded, webhooks shuffled, duplicated and racing status calls: granted = paid − refunded, below zero 0', () => scenario('R21', () => r21Purchases()));
  it('R22 seats: seat changes for M organisations over 2 instances with Stripe faults: Stripe = stored, duplicate quantity updates 0, invoices within the coalescing bound', () =>
    scenario('R22', () => r22Seats()));
  it('R23 meters: 2 instances record and report metered usage while Stripe fails: drift 0, doubled 0, lost 0, renewals bill the overage', () => scenario('R23', () => r23Meters()));
  // Last: it scans what every scenario above logged and answered.
  it('R13: no secret or checkout/portal URL in any log line, no secret in any answer', () => scenario('R13', () => r13SecretScan(h)));
});
