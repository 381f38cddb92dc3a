import type Stripe from 'stripe';
import { WorkQueue } from '../../../lib/queue/work-queue.service';
import { checkoutAndPay } from '../support/lifecycles';
import { applications, inboxStatuses } from '../support/oracle';
import { report, WEBHOOK_MODE } from '../support/reliability-env';
import { Harness, startExtraInstance } from '../support/reliability-harness';
import { signedRequest, undelivered } from '../support/webhook-sender';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The victim's Stripe call hangs (past its client timeout): it is mid-event when it dies. Also the wait for a takeover. */
const HANG_MS = 10_000;

/**
 * R20 (queued mode): an instance dies in the middle of an event. A third instance takes the event
 * (its re-fetch from Stripe hangs), then loses its database and stops renewing its lease, as a
 * SIGKILLed process would (in-process: its connections are destroyed; the process itself lives on,
 * so its late apply fails for want of a connection). Must hold: another instance completes the
 * event within seconds (the queue's lease), applied once. Inline mode has no workers: skipped there.
 */
export async function r20WorkerKilled(h: Harness): Promise<void> {
  const started = Date.now();
  if (WEBHOOK_MODE !== 'queued') {
    report('R20', 'worker killed mid-event (queued mode only)', { skipped: 'inline' }, started);
    return;
  }
  const user = await h.user();
  const events = await undelivered(h, () => checkoutAndPay(h, 0, user, 'pro'));
  const event = events.find((e) => e.type === 'customer.subscription.created') as Stripe.Event;
  const subscriptionId = (event.data.object as Stripe.Subscription).id;
  const victim = await startExtraInstance(h, 'app-c');
  let tookOverMs = -1;
  let attemptsToLand = 0;
  try {
    // The victim must be the one holding the event: posted to it, its workers are woken first. If
    // another instance took it anyway, its hang ends and the event is done; try again with a copy.
    for (;;) {
      attemptsToLand++;
      h.fake.faults.hangNext({ method: 'GET', path: `/v1/subscriptions/${subscriptionId}` }, 1, HANG_MS);
      const answer = await h.http.send(`${victim.url}/api/payments/webhook`, signedRequest(h, event));
      if (answer.status !== 200) throw new Error(`R20: the victim answered ${answer.status}: ${answer.text}`);
      const deadline = Date.now() + 5_000;
      while (victim.app.get(WorkQueue).inFlightCount === 0 && Date.now() < deadline) await sleep(10);
      if (victim.app.get(WorkQueue).inFlightCount > 0) break;
      if (attemptsToLand >= 3) throw new Error('R20: the victim never took the event');
      await h.settle();
      await h.sql.query('DELETE FROM payments_webhook_events WHERE id = $1', [event.id]);
      await h.sql.query('DELETE FROM reliability_applied WHERE event_id = $1', [event.id]);
    }
    const killedAt = Date.now();
    await victim.dataSource.destroy();
    while ((await inboxStatuses(h, [event.id])).get(event.id) !== 'processed' && Date.now() - killedAt < HANG_MS) await sleep(50);
    if ((await inboxStatuses(h, [event.id])).get(event.id) === 'processed') tookOverMs = Date.now() - killedAt;
  } finally {
    h.fake.faults.clear();
    await victim.close().catch(() => undefined);
  }
  await h.settle();
  const applied = (await applications(h, [event.id])).get(event.id);
  report('R20', 'worker killed mid-event, 3 instances', { attemptsToLand, tookOverMs, leaseMs: victim.leaseMs, applied: applied ?? 0, finalStatus: (await inboxStatuses(h, [event.id])).get(event.id) ?? 'missing' }, started);
  expect(tookOverMs).toBeGreaterThanOrEqual(0);
  expect(applied).toBe(1);
}
