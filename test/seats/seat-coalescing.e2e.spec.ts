import { FakeStripe } from '../../lib/testing';
import { SeatAccountEntity } from '../../lib';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { Organization, OrgMember } from '../teams/organization.entities';
import { as, executedUpdates, MemberAuthGuard, organisation, seatOptions, seatPrices, stripeQuantity, subscribe } from './seat-test-kit';

describe.each(testDatabases())('seat changes coalesce on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;
  const auth = new MemberAuthGuard();

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1914 });
    for (const price of seatPrices) fake.createPrice(price);
    app = await startTestApp({ db, fake, entities: [Organization, OrgMember], payments: seatOptions(auth, { seats: { coalesceSeconds: 3 }, queue: { pollIntervalMs: 100 } }) });
    auth.dataSource = app.dataSource;
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  it('ten changes inside the window make one quantity update and, on a yearly plan, one invoice', async () => {
    const { org, owner } = await organisation(app);
    const sub = await subscribe(app, fake, owner, { plan: 'team', interval: 'year', quantity: 2 });
    const invoices = () => [...fake.state.invoices.values()].filter((i) => (i as any).parent?.subscription_details?.subscription === sub).length;
    const before = invoices();
    for (let i = 0; i < 10; i++) {
      const answer = await as(app, owner, 'POST', 'seats', i % 3 === 2 ? { action: 'remove', seats: 1 } : { action: 'add', seats: 1 });
      expect(answer.status).toBe(200);
    }
    // 2 + 7 added - 3 removed.
    expect((await as(app, owner, 'GET', 'seats')).body).toMatchObject({ purchased: 6, pending: true });
    const repo = app.dataSource.getRepository(SeatAccountEntity);
    for (let i = 0; i < 200; i++) {
      const row = await repo.findOneByOrFail({ billableId: String(org.id) });
      if (row.syncedSeq >= row.seq) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await as(app, owner, 'GET', 'seats')).body).toMatchObject({ purchased: 6, pending: false });
    expect(stripeQuantity(fake, sub, 'price_team_seat_year')).toBe(6);
    expect(executedUpdates(fake, sub)).toHaveLength(1);
    expect(invoices() - before).toBe(1);
  });
});
