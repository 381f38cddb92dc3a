import { MeterWindowEntity, UsageOperations } from '../../lib';
import { runUsageCommand } from '../../lib/metering/usage-cli';
import { PaymentsTransactions } from '../../lib/persistence/payments-transactions';
import { StripeGateway } from '../../lib/stripe/stripe-gateway.service';
import { FakeStripe } from '../../lib/testing';
import { call, customersOf, jwtGuard } from '../billing/billing-kit';
import { MeteredCallsController, meteredPlans, seedMeteredCatalog } from '../metering/metering-kit';
import { as, drainSeats, MemberAuthGuard, organisation, seatOptions, seatPrices, stripeQuantity, subscribe } from '../seats/seat-test-kit';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { Organization, OrgMember } from '../teams/organization.entities';
import { TransactionProbe } from './support/transaction-probe';

// Issue 12 for the seat pushes and the meter reports, which need apps of their own (an
// organisation billable; metered plans): no Stripe request is sent from inside a transaction.
describeEachDb(['sqlite', 'postgres'])('no Stripe call inside a transaction, seats and meters, on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1209 });
    for (const price of seatPrices) fake.createPrice(price);
    seedMeteredCatalog(fake);
  });
  afterEach(async () => {
    await fake?.stop();
    await db?.drop();
  });

  /** Boots an app, runs `work` with its Stripe calls probed, and closes it. */
  async function probed(start: () => Promise<TestApp>, work: (app: TestApp) => Promise<void>): Promise<TransactionProbe> {
    const app = await start();
    try {
      const probe = new TransactionProbe(app.app.get(PaymentsTransactions).dataSource, app.app.get(StripeGateway).stripe);
      probe.start();
      await work(app);
      return probe;
    } finally {
      await app.close();
    }
  }

  it('a per-seat checkout, then seats added and set, pushed to Stripe by the queue', async () => {
    const auth = new MemberAuthGuard();
    const probe = await probed(
      async () => {
        const app = await startTestApp({ db, fake, entities: [Organization, OrgMember], payments: seatOptions(auth) });
        auth.dataSource = app.dataSource;
        return app;
      },
      async (app) => {
        const { owner } = await organisation(app);
        const sub = await subscribe(app, fake, owner, { plan: 'team', quantity: 2 });
        expect((await as(app, owner, 'POST', 'seats', { action: 'add', seats: 3 })).status).toBe(200);
        await drainSeats(app);
        expect((await as(app, owner, 'POST', 'seats', { action: 'set', seats: 4 })).status).toBe(200);
        await drainSeats(app);
        await fake.waitForDeliveries(20_000);
        expect(stripeQuantity(fake, sub, 'price_team_seat_month')).toBe(4);
      },
    );
    expect(probe.kinds()).toEqual(expect.arrayContaining(['POST /v1/checkout/sessions', 'GET /v1/subscriptions/:id', 'POST /v1/subscriptions/:id']));
    expect(probe.violations()).toEqual([]);
  });

  it('metered uses reported to Stripe by usage:report', async () => {
    const probe = await probed(
      () =>
        startTestApp({
          db, fake, controllers: [MeteredCallsController],
          payments: { plans: meteredPlans, authGuard: jwtGuard, metering: { windowMinutes: 60, graceSeconds: 60 }, queue: { retryBaseMs: 5, retryMaxMs: 20 } },
        }),
      async (app) => {
        const user = (await app.createUser()).id;
        const checkout = await call(app, 'POST', 'checkout', { user, body: { plan: 'payg' } });
        expect(checkout.status).toBe(200);
        await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
        expect((await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user })).status).toBe(200);
        for (let i = 0; i < 3; i++) expect((await fetch(`${app.url}/api/metered/call`, { headers: app.auth(user) })).status).toBe(200);
        const ops = app.app.get(UsageOperations);
        for (let round = 0; round < 20; round++) {
          await runUsageCommand(ops, 'usage:report', []);
          if ((await app.dataSource.getRepository(MeterWindowEntity).count({ where: [{ status: 'open' }, { status: 'sealed' }] })) === 0) break;
        }
        const customer = customersOf(fake, user)[0];
        expect(fake.meterEvents().filter((e) => e.customer === customer).map((e) => e.value)).toEqual([3]);
      },
    );
    expect(probe.kinds()).toEqual(expect.arrayContaining(['POST /v1/billing/meter_events']));
    expect(probe.violations()).toEqual([]);
  });
});
