import { MeterWindowEntity, meteredAmount, UsageOperations, UsageService } from '../../../lib';
import { FakeStripe } from '../../../lib/testing';
import { call, customersOf, jwtGuard } from '../../billing/billing-kit';
import { MeteredCallsController, meteredPlans, seedMeteredCatalog } from '../../metering/metering-kit';
import { startTestApp, TestApp } from '../../support/test-app';
import { createTestDatabase } from '../../support/test-databases';
import { pool } from '../support/http-client';
import { report, rngFor, sized, SEED } from '../support/reliability-env';

const DAY = 86_400;
const METER_EVENTS = { method: 'POST', path: '/v1/billing/meter_events' };
const PRO_TIERS = { billing_scheme: 'tiered', tiers_mode: 'graduated', unit_amount: null, tiers: [{ up_to: 1000, unit_amount: 0, flat_amount: null }, { up_to: null, unit_amount: 2, flat_amount: null }] };

/**
 * R23: 2 instances record metered uses for many billables (10% repeated idempotency keys, half
 * through `@TrackUsage`, half through `UsageService.record`) while both report windows to the
 * fake's meters and the fake answers 500, 429, hangs past the client timeout and loses answers;
 * the clock crosses reporting windows meanwhile. Then: the fake's meter totals equal the local
 * totals (drift 0, doubled 0, lost 0), and each renewal invoice bills exactly the overage.
 * Its own PostgreSQL database and FakeStripe: the harness's apps serve the fixed test plans.
 */
export async function r23Meters(): Promise<void> {
  const started = Date.now();
  const rng = rngFor('R23');
  const total = sized({ ci: 1500, full: 100_000 });
  const billables = sized({ ci: 10, full: 200 });
  const db = await createTestDatabase('postgres');
  const fake = await FakeStripe.start({ seed: SEED, startTime: Date.UTC(2026, 10, 2, 8, 0) / 1000 });
  seedMeteredCatalog(fake);
  const common = {
    db, fake, realisticDelivery: false, controllers: [MeteredCallsController],
    payments: {
      plans: meteredPlans, authGuard: jwtGuard, now: () => new Date(fake.now() * 1000), stripeTimeoutMs: 400, stripeMaxNetworkRetries: 1,
      metering: { windowMinutes: 15, graceSeconds: 30 }, queue: { retryBaseMs: 5, retryMaxMs: 50 },
    },
  };
  const a = await startTestApp(common);
  const b = await startTestApp({ ...common, synchronize: false, registerWithFake: false });
  const apps: [TestApp, TestApp] = [a, b];
  try {
    const users: number[] = [];
    const customers = new Map<number, string>();
    for (let i = 0; i < billables; i++) {
      const user = (await a.createUser()).id;
      const checkout = await call(a, 'POST', 'checkout', { user, body: { plan: 'pro' } });
      await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
      await call(a, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user });
      users.push(user);
      customers.set(user, customersOf(fake, user)[0]);
    }
    await fake.waitForDeliveries();

    // The uses: each key once, 10% repeating an earlier key of the same billable.
    const shots: { user: number; key: string; quantity: number; http: boolean }[] = [];
    const keysOf = new Map<number, { key: string; quantity: number; http: boolean }[]>();
    for (let i = 0; i < total; i++) {
      const user = users[Math.floor(rng.next() * users.length)];
      const earlier = keysOf.get(user) ?? [];
      const repeat = earlier.length > 0 && rng.next() < 0.1 ? rng.pick(earlier) : null;
      // A repeat is the same request again (same route or job, same quantity); a route use is 1 unit.
      const http = rng.next() < 0.5;
      const shot = repeat ? { user, ...repeat } : { user, key: `r20-${i}`, quantity: http ? 1 : 1 + Math.floor(rng.next() * 40), http };
      if (!repeat) keysOf.set(user, [...earlier, { key: shot.key, quantity: shot.quantity, http: shot.http }]);
      shots.push(shot);
    }
    const distinct = new Map<string, number>();

    let faults = 0;
    const reports: Promise<number>[] = [];
    const usages = apps.map((app) => app.app.get(UsageService));
    let errors = 0;
    let inUseRetries = 0;
    const errorCodes = new Map<string, number>();
    const phase: Record<string, number> = { setup: Math.round((Date.now() - started) / 1000) };
    await pool(32, shots.length, async (n) => {
      const shot = shots[n];
      if (n % Math.ceil(total / 8) === 0) {
        // Every eighth of the run: the clock crosses windows, and Stripe misbehaves for a while.
        await fake.advanceTime(20 * 60);
        fake.faults.failNext(METER_EVENTS, 3, { status: 500 });
        fake.faults.failNext(METER_EVENTS, 3, { status: 429 });
        fake.faults.hangNext(METER_EVENTS, 1, 900);
        fake.faults.dropResponseNext(METER_EVENTS, 2);
        faults += 9;
        // Both instances report at once while the uses go on (the current windows too).
        for (const app of apps) reports.push(app.app.get(UsageOperations).report());
      }
      const instance = n % 2;
      // A repeat racing its first use waits, then may hear 409 idempotency_key_in_use: asked again, as a client would.
      for (let attempt = 0; ; attempt++) {
        let code: string | null = null;
        let counted = false;
        try {
          if (shot.http) {
            const res = await fetch(`${apps[instance].url}/api/metered/call`, { headers: { ...apps[instance].auth(shot.user), 'idempotency-key': shot.key } });
            counted = res.status === 200 && res.headers.get('idempotent-replayed') !== 'true';
            if (res.status !== 200) code = `${res.status}:${((await res.json()) as { code?: string }).code}`;
          } else {
            counted = !(await usages[instance].record(shot.user, 'api_calls', shot.quantity, shot.key)).duplicate;
          }
        } catch (error) {
          code = (error as { code?: string }).code ?? String(error);
        }
        if (counted) distinct.set(`${shot.user}:${shot.key}`, (distinct.get(`${shot.user}:${shot.key}`) ?? 0) + shot.quantity);
        if (code !== null && code.endsWith('idempotency_key_in_use') && attempt < 20) {
          inUseRetries++;
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        if (code !== null) {
          errors++;
          errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1);
        }
        break;
      }
    });
    phase.record = Math.round((Date.now() - started) / 1000);
    await Promise.all(reports);
    // Drain what is left on both instances at once until every window is reported.
    const windows = a.dataSource.getRepository(MeterWindowEntity);
    for (let round = 0; round < 200 && (await windows.count({ where: [{ status: 'open' }, { status: 'sealed' }] })) > 0; round++) {
      await Promise.all(apps.map((app) => app.app.get(UsageOperations).report()));
      await new Promise((r) => setTimeout(r, 20));
    }

    phase.drain = Math.round((Date.now() - started) / 1000);
    const counters: { billable_id: string; used: number }[] = await a.dataSource.query(
      "SELECT billable_id, SUM(used)::int AS used FROM payments_usage_counters WHERE metric = 'api_calls' GROUP BY billable_id",
    );
    const counted = new Map(counters.map((c) => [Number(c.billable_id), c.used]));
    const rows = await windows.find();
    let lost = 0;
    let doubled = 0;
    let countedTwice = 0;
    let unreported = 0;
    let expectedOverage = 0;
    const expectedLocal = new Map<number, number>();
    for (const [k, q] of distinct) expectedLocal.set(Number(k.split(':')[0]), (expectedLocal.get(Number(k.split(':')[0])) ?? 0) + q);
    for (const user of users) {
      const local = rows.filter((r) => r.billableId === String(user)).reduce((n, r) => n + r.quantity, 0);
      const atStripe = fake.meterTotals(customers.get(user)!, 'api_calls');
      lost += Math.max(0, local - atStripe);
      doubled += Math.max(0, atStripe - local);
      countedTwice += Math.abs((counted.get(user) ?? 0) - (expectedLocal.get(user) ?? 0)) + Math.abs((counted.get(user) ?? 0) - local);
      unreported += rows.filter((r) => r.billableId === String(user) && r.status !== 'reported').length;
      expectedOverage += meteredAmount(PRO_TIERS, local);
    }
    const events = fake.meterEvents().length;

    await fake.advanceTime(31 * DAY);
    const billedOverage = [...fake.state.invoices.values()]
      .filter((i) => i.billing_reason === 'subscription_cycle')
      .flatMap((i) => i.lines.data.filter((l) => l.description?.includes('(usage)')))
      .reduce((n, l) => n + l.amount, 0);

    report('R23', 'meters: 2 instances record and report while Stripe fails', {
      uses: total, billables, distinctUses: distinct.size, errors, inUseRetries, faultsArmed: faults, windows: rows.length, meterEvents: events,
      stripeCallsPer1000Uses: Math.round((fake.requests.filter((r) => r.path === METER_EVENTS.path).length / total) * 1000),
      lost, doubled, countedTwice, unreported, errorCodes: [...errorCodes].map(([c, n]) => `${c}x${n}`).join(',') || 'none',
      leftStatuses: rows.filter((r) => r.status !== 'reported').map((r) => `${r.status}/${r.lastError}`).join(',') || 'none', phases: JSON.stringify(phase), expectedOverageCents: expectedOverage, billedOverageCents: billedOverage,
    }, started);
    expect({ lost, doubled, countedTwice, unreported, errors }).toEqual({ lost: 0, doubled: 0, countedTwice: 0, unreported: 0, errors: 0 });
    expect(billedOverage).toBe(expectedOverage);
  } finally {
    await b.close();
    await a.close();
    await fake.stop();
    await db.drop();
  }
}
