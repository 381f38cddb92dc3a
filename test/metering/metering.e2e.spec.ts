import { MeterWindowEntity, PaymentsHealthIndicator, UsageOperations, UsageService } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { call, jwtGuard, stripeCallsDuring } from '../billing/billing-kit';
import { runUsageCommand } from '../../lib/metering/usage-cli';
import { LogCapture } from '../support/log-capture';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { hitMetered, MeteredCallsController, meteredPlans, seedMeteredCatalog, subscribedTo, windowsOf } from './metering-kit';

const DAY = 86_400;
const START = Date.UTC(2026, 10, 2, 9, 30) / 1000;

describe.each(testDatabases())('usage billing through Stripe meters on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;
  let usage: UsageService;
  let ops: UsageOperations;
  const logs = new LogCapture();

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1414, startTime: START });
    seedMeteredCatalog(fake);
    app = await startTestApp({
      db, fake, logger: logs, controllers: [MeteredCallsController],
      payments: {
        plans: meteredPlans, authGuard: jwtGuard, now: () => new Date(fake.now() * 1000), pastDue: { access: 'deny' },
        metering: { windowMinutes: 60, graceSeconds: 60 }, queue: { retryBaseMs: 5, retryMaxMs: 20 },
      },
    });
    usage = app.app.get(UsageService);
    ops = app.app.get(UsageOperations);
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  const subscribed = (plan: 'payg' | 'pro') => subscribedTo(app, fake, plan);
  const hit = (user: number) => hitMetered(app, user);
  /** Reports until nothing is left to send (a retried item runs again after its short backoff). */
  async function reportAll(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      await ops.report();
      const left = await app.dataSource.getRepository(MeterWindowEntity).count({ where: [{ status: 'open' }, { status: 'sealed' }] });
      if (left === 0) return;
      await new Promise((r) => setTimeout(r, 30));
    }
    throw new Error('windows left unreported');
  }
  const eventsOf = (customer: string) => fake.meterEvents().filter((e) => e.customer === customer);

  it('pay as you go: checkout sells the metered price without a quantity; uses cost no Stripe call; one meter event per window', async () => {
    const { user, customer } = await subscribed('payg');
    const session = [...fake.state.checkoutSessions.values()].find((s) => s.client_reference_id === String(user))!;
    expect(fake.requests.find((r) => r.path === '/v1/checkout/sessions' && r.method === 'POST' && (r.params as any).client_reference_id === String(user))?.params).toMatchObject({
      line_items: [{ price: 'price_payg_calls' }],
    });
    expect((fake.requests.find((r) => (r.params as any)?.client_reference_id === String(user))?.params as any).line_items[0]).not.toHaveProperty('quantity');
    expect(session.status).toBe('complete');

    const calls = await stripeCallsDuring(fake, async () => {
      for (let i = 0; i < 30; i++) expect(await hit(user)).toBe(200);
      await usage.record(user, 'api_calls', 5, 'job-1');
      expect((await usage.record(user, 'api_calls', 5, 'job-1')).duplicate).toBe(true);
    });
    expect(calls).toEqual([]);
    expect((await windowsOf(app, user)).map((w) => [w.seq, w.quantity, w.status])).toEqual([[0, 35, 'open']]);

    const meter = (await call(app, 'GET', 'usage', { user })).body.usage.find((m: { metric: string }) => m.metric === 'api_calls');
    expect(meter).toMatchObject({ used: 35, unlimited: true, metered: { meter: 'api_calls', included: 0, overage: 35, estimatedAmount: 105, currency: 'usd' } });

    await reportAll();
    const events = eventsOf(customer);
    expect(events).toEqual([expect.objectContaining({ event_name: 'api_calls', value: 35, identifier: expect.stringMatching(new RegExp(`^nhp:${user}:api_calls:\\d+:0$`)) })]);
    // Stamped inside its window.
    const [row] = await windowsOf(app, user);
    expect(events[0].timestamp * 1000).toBeGreaterThanOrEqual(row.windowStart.getTime());
    expect(events[0].timestamp * 1000).toBeLessThan(row.windowEnd.getTime());
    expect(row.status).toBe('reported');

    // Late usage in the reported window: its own sequence and identifier, nothing lost, nothing doubled.
    expect(await hit(user)).toBe(200);
    await reportAll();
    expect(eventsOf(customer).map((e) => [e.value, e.identifier.endsWith(':1')])).toEqual([[35, false], [1, true]]);
    const recon = await ops.reconcile();
    expect(recon.rows.find((r) => r.billableId === String(user))).toMatchObject({ local: 36, stripe: 36, drift: 0, flagged: 0, pending: 0 });
  });

  it('bad quantities are refused with 400 before anything is written', async () => {
    const { user } = await subscribed('payg');
    for (const quantity of [-1, 0, 1.5, 1e9, Number.NaN]) {
      await expect(usage.record(user, 'api_calls', quantity, `bad-${quantity}`)).rejects.toMatchObject({ status: 400, code: 'invalid_request' });
    }
    expect(await windowsOf(app, user)).toEqual([]);
  });

  it('Stripe failures: 500s and a lost answer are retried with the same identifier; 429s slow down; the total is exact (timeouts: R20)', async () => {
    const { user, customer } = await subscribed('payg');
    for (let i = 0; i < 7; i++) expect(await hit(user)).toBe(200);
    fake.faults.failNext({ method: 'POST', path: '/v1/billing/meter_events' }, 3, { status: 500 });
    fake.faults.dropResponseNext({ method: 'POST', path: '/v1/billing/meter_events' }, 1);
    fake.faults.failNext({ method: 'POST', path: '/v1/billing/meter_events' }, 2, { status: 429 });
    await reportAll();
    expect(eventsOf(customer).map((e) => e.value)).toEqual([7]);
    expect((await ops.reconcile()).rows.find((r) => r.customerId === customer)).toMatchObject({ local: 7, stripe: 7, drift: 0 });
  });

  it('renewal: the invoice bills exactly the overage past the included 1,000 calls, through the price tiers', async () => {
    const { user, customer } = await subscribed('pro');
    await usage.record(user, 'api_calls', 1000, 'batch-1');
    await usage.record(user, 'api_calls', 234, 'batch-2');
    const meter = (await call(app, 'GET', 'usage', { user })).body.usage.find((m: { metric: string }) => m.metric === 'api_calls');
    expect(meter.metered).toMatchObject({ included: 1000, overage: 234, estimatedAmount: 468 });
    await reportAll();
    await fake.advanceTime(31 * DAY);
    await fake.waitForDeliveries();
    const cycle = [...fake.state.invoices.values()].filter((i) => i.customer === customer && i.billing_reason === 'subscription_cycle');
    expect(cycle.map((i) => i.amount_due)).toEqual([2000 + 468]);
  });

  it('free ↔ metered: a failed renewal drops the billable to the free plan\'s hard limit (not metered); paying restores the metered plan', async () => {
    const { user, customer } = await subscribed('pro');
    fake.setCustomerCard(customer, 'decline');
    await fake.advanceTime(31 * DAY);
    await fake.waitForDeliveries();
    expect((await call(app, 'GET', 'subscription', { user })).body.status).toBe('past_due');
    const before = (await windowsOf(app, user)).length;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push(await hit(user));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await windowsOf(app, user)).length).toBe(before);

    const open = [...fake.state.invoices.values()].find((i) => i.customer === customer && i.status === 'open')!;
    await fake.payInvoice(open.id!, { card: 'success' });
    await fake.waitForDeliveries();
    for (let i = 0; i < 10; i++) expect(await hit(user)).toBe(200);
    expect((await windowsOf(app, user)).reduce((n, w) => n + w.quantity, 0)).toBe(10);
  });

  it('CLI: usage:report drains, usage:reconcile prints the drift per billable and meter (exit 0 at no drift), a bad --period is 2', async () => {
    const { user } = await subscribed('payg');
    expect(await hit(user)).toBe(200);
    expect(await runUsageCommand(ops, 'usage:report', [])).toMatchObject({ code: 0, output: { reported: expect.any(Number) } });
    const month = new Date(fake.now() * 1000).toISOString().slice(0, 7);
    const recon = await runUsageCommand(ops, 'usage:reconcile', ['--period', month]);
    expect(recon).toMatchObject({ code: 0, output: { totalDrift: 0, flagged: 0 } });
    expect((recon!.output as any).rows.find((r: { billableId: string }) => r.billableId === String(user))).toMatchObject({ local: 1, stripe: 1, drift: 0 });
    expect(await runUsageCommand(ops, 'usage:reconcile', ['--period=last-week'])).toMatchObject({ code: 2 });
    expect(await runUsageCommand(ops, 'events:failed', [])).toBeNull();
  });

  it('a window older than Stripe\'s 35-day backdating limit is flagged (failed item, log, reconcile), never dropped silently', async () => {
    const { user } = await subscribed('payg');
    expect(await hit(user)).toBe(200);
    await fake.advanceTime(36 * DAY);
    await fake.waitForDeliveries();
    await ops.report();
    const [row] = await windowsOf(app, user);
    expect([row.status, row.lastError, row.quantity]).toEqual(['expired', 'outside_backdating_limit', 1]);
    expect(logs.lines.map((l) => l.text).join('\n')).toMatch(/cannot be reported \(outside_backdating_limit\)/);
    const start = new Date(row.windowStart.getTime() - DAY * 1000);
    const recon = await ops.reconcile({ start: new Date(start.getTime() - (start.getTime() % 60_000)), end: new Date(row.windowEnd) });
    expect(recon.rows.find((r) => r.billableId === String(user))).toMatchObject({ local: 1, flagged: 1 });
    expect(recon.flagged).toBeGreaterThanOrEqual(1);
    const health = await app.app.get(PaymentsHealthIndicator).isHealthy('payments', { stripe: false });
    expect(health.payments).toMatchObject({ status: 'down', flaggedMeterWindows: expect.any(Number) });
    expect(health.payments.flaggedMeterWindows).toBeGreaterThanOrEqual(1);
  });
});
