import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { call, customersOf, jwtGuard, openSessionsOf } from './billing-kit';

/** R5 across processes: two app instances on one database serialize a billable's checkouts with its lease (no transaction open during Stripe calls). */
describeEachDb(['postgres', 'mariadb'])('billing on two instances on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 9 });
    a = await startTestApp({ db, fake, payments: { authGuard: jwtGuard } });
    b = await startTestApp({ db, fake, synchronize: false, registerWithFake: false, payments: { authGuard: jwtGuard } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await fake?.stop();
    await db?.drop();
  });

  it('10 concurrent first checkouts split over two instances make one customer and one open session', async () => {
    const user = await a.createUser();
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => call(i % 2 ? b : a, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } })));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(answers.map((r) => r.body.sessionId)).size).toBe(1);
    expect(customersOf(fake, user.id)).toHaveLength(1);
    expect(openSessionsOf(fake, user.id)).toHaveLength(1);
  });
});
