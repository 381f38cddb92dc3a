import { SeatAccountEntity } from '../../../lib';
import { FakeStripe } from '../../../lib/testing';
import { startTestApp, TestApp } from '../../support/test-app';
import { createTestDatabase } from '../../support/test-databases';
import { as, executedUpdates, MemberAuthGuard, organisation, seatOptions, seatPrices, subscribe } from '../../seats/seat-test-kit';
import { Organization, OrgMember } from '../../teams/organization.entities';
import { report, rngFor, SEED, sized } from '../support/reliability-env';

const WINDOW_MS = 400;

/**
 * R22: seat changes over 2 instances with Stripe faults. M organisations (half monthly, half
 * yearly: `always_invoice`) subscribe; N seat changes (add / remove / set, some by member list) go
 * to either instance in random order while Stripe fails, times out or loses the answers of
 * subscription reads and updates. Then, once the queue is idle: seats at Stripe = seats stored,
 * seat holders fit in the seats, quantity updates that repeated a quantity 0, and Stripe updates
 * (so prorated invoices) per organisation within the coalescing bound.
 */
export async function r22Seats(): Promise<void> {
  const started = Date.now();
  const rng = rngFor('R22');
  const orgCount = sized({ ci: 5, full: 20 });
  const changes = sized({ ci: 40, full: 200 });
  const db = await createTestDatabase('postgres');
  const fake = await FakeStripe.start({ seed: SEED });
  for (const price of seatPrices) fake.createPrice(price);
  const guards = [new MemberAuthGuard(), new MemberAuthGuard()];
  const queue = { pollIntervalMs: 100, retryBaseMs: 50, retryMaxMs: 400 };
  const options = (i: number) => seatOptions(guards[i], { seats: { coalesceSeconds: WINDOW_MS / 1000 }, queue, stripeMaxNetworkRetries: 0, stripeTimeoutMs: 3000 });
  const common = { db, fake, entities: [Organization, OrgMember], realisticDelivery: true };
  const a = await startTestApp({ ...common, payments: options(0) });
  const b = await startTestApp({ ...common, payments: options(1), synchronize: false, registerWithFake: false });
  guards[0].dataSource = a.dataSource;
  guards[1].dataSource = b.dataSource;
  const apps: TestApp[] = [a, b];
  try {
    const orgs: { org: Organization; owner: OrgMember; members: OrgMember[]; sub: string }[] = [];
    for (let i = 0; i < orgCount; i++) {
      const o = await organisation(a, 4);
      const sub = await subscribe(a, fake, o.owner, { plan: 'team', quantity: 2 + (i % 3), ...(i % 2 === 1 ? { interval: 'year' } : {}) });
      orgs.push({ org: o.org, owner: o.owner, members: o.members, sub });
    }
    const invoicesBefore = new Map(orgs.map((o) => [o.sub, invoicesOf(fake, o.sub)]));
    const updatesBefore = new Map(orgs.map((o) => [o.sub, executedUpdates(fake, o.sub).length]));

    const subPath = /^\/v1\/subscriptions\/sub_/;
    const answers = { ok: 0, refused: 0, serverErrors: 0 };
    const changesStarted = Date.now();
    for (let sent = 0; sent < changes; sent += 4) {
      // Stripe misbehaves in bursts: 5xx, 429, lost answers and slow reads of the subscription.
      const fault = rng.int(0, 5);
      if (fault === 0) fake.faults.failNext({ method: 'POST', path: subPath }, 2, { status: 500 });
      if (fault === 1) fake.faults.failNext({ path: subPath }, 2, { status: 429 });
      if (fault === 2) fake.faults.dropResponseNext({ method: 'POST', path: subPath }, 1);
      if (fault === 3) fake.faults.failNext({ method: 'GET', path: subPath }, 1, { status: 503 });
      const batch = Array.from({ length: Math.min(4, changes - sent) }, () => {
        const o = orgs[rng.int(0, orgs.length - 1)];
        const app = apps[rng.int(0, 1)];
        return as(app, o.owner, 'POST', 'seats', seatChange(rng, o.members));
      });
      for (const answer of await Promise.all(batch)) {
        if (answer.status === 200) answers.ok++;
        else if (answer.status < 500) answers.refused++;
        else answers.serverErrors++;
      }
    }
    const changesMs = Date.now() - changesStarted;
    fake.faults.clear();
    await settle(a, orgs.map((o) => String(o.org.id)));
    await fake.waitForDeliveries();

    let mismatched = 0;
    let overfull = 0;
    let duplicates = 0;
    let maxUpdates = 0;
    let maxInvoices = 0;
    let yearlyInvoices = 0;
    // The first change of a window sets when its push runs; a push in flight lets one more follow it.
    const bound = Math.ceil(changesMs / WINDOW_MS) + 2;
    for (const o of orgs) {
      const seats = (await as(a, o.owner, 'GET', 'seats')).body;
      const sub = fake.state.subscriptions.get(o.sub)!;
      const atStripe = sub.items.data[0].quantity;
      if (atStripe !== seats.purchased) mismatched++;
      if (seats.used > seats.purchased + seats.included) overfull++;
      const updates = executedUpdates(fake, o.sub).slice(updatesBefore.get(o.sub));
      let previous: number | null = null;
      for (const update of updates) {
        const quantity = Number((update.params?.items as { quantity: string }[])[0].quantity);
        if (quantity === previous) {
          duplicates++;
          {
            // The subscription's Stripe trail, to tell an overlap of two pushes from a stale read.
            const trail = fake.requests.filter((r) => r.path === `/v1/subscriptions/${o.sub}`).map((r) => `${r.method} ${r.status}${r.replayed ? 'R' : ''}${r.lostAnswerStatus ? `(lost ${r.lostAnswerStatus})` : ''} ${r.idempotencyKey?.slice(-6) ?? ''} ${JSON.stringify(r.params?.items ?? '')} ${r.params?.proration_behavior ?? ''}`);
            process.stdout.write(`R22 duplicate on ${o.sub}:\n${trail.join('\n')}\n`);
          }
        }
        previous = quantity;
      }
      maxUpdates = Math.max(maxUpdates, updates.length);
      const newInvoices = invoicesOf(fake, o.sub) - (invoicesBefore.get(o.sub) ?? 0);
      maxInvoices = Math.max(maxInvoices, newInvoices);
      if (sub.items.data[0].price.recurring?.interval === 'year') yearlyInvoices += newInvoices;
    }
    const failedItems = await a.dataSource.query(`SELECT count(*)::int AS n FROM payments_work_items WHERE kind = 'seat-sync' AND status = 'failed'`);
    report('R22', 'seat changes over 2 instances with Stripe faults', {
      organisations: orgCount, changes, accepted: answers.ok, refused4xx: answers.refused, server5xx: answers.serverErrors,
      mismatched, overfull, duplicateQuantityUpdates: duplicates, maxUpdatesPerOrg: maxUpdates, maxInvoicesPerOrg: maxInvoices,
      yearlyInvoices, coalescingBound: bound, failedItems: failedItems[0].n,
    }, started);
    expect(answers.serverErrors).toBe(0);
    expect(answers.ok).toBeGreaterThan(0);
    expect(mismatched).toBe(0);
    expect(overfull).toBe(0);
    expect(duplicates).toBe(0);
    expect(failedItems[0].n).toBe(0);
    expect(maxUpdates).toBeLessThanOrEqual(bound);
    expect(maxInvoices).toBeLessThanOrEqual(bound);
  } finally {
    await b.close();
    await a.close();
    await fake.stop();
    await db.drop();
  }
}

/** One random seat change: mostly counts, sometimes members taking or leaving seats. */
function seatChange(rng: { int(min: number, max: number): number }, members: OrgMember[]): Record<string, unknown> {
  const kind = rng.int(0, 5);
  if (kind === 0) return { action: 'add', members: [String(members[rng.int(0, members.length - 1)].id)] };
  if (kind === 1) return { action: 'remove', members: [String(members[rng.int(0, members.length - 1)].id)] };
  if (kind === 2) return { action: 'set', seats: rng.int(2, 10) };
  if (kind === 3) return { action: 'remove', seats: rng.int(1, 2) };
  return { action: 'add', seats: rng.int(1, 2) };
}

function invoicesOf(fake: FakeStripe, subscriptionId: string): number {
  return [...fake.state.invoices.values()].filter((i) => (i as { parent?: { subscription_details?: { subscription?: string } } }).parent?.subscription_details?.subscription === subscriptionId).length;
}

/** Waits until every account's last change has reached Stripe (the queue drains it with retries). */
async function settle(app: TestApp, billableIds: string[]): Promise<void> {
  const repo = app.dataSource.getRepository(SeatAccountEntity);
  for (let i = 0; i < 600; i++) {
    const rows = await repo.findBy(billableIds.map((billableId) => ({ billableId })));
    if (rows.every((row) => row.syncedSeq >= row.seq)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('R22: seat changes did not all reach Stripe within 30 s');
}
