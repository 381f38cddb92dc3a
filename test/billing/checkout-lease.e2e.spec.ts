import { BillableLeaseEntity } from '../../lib/persistence/entities/billable-lease.entity';
import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { call, customersOf, jwtGuard, openSessionsOf, stripeCallsDuring } from './billing-kit';

const TIMEOUT_MS = 2_000;

/** The checkout lease that replaced the row lock: a held lease makes others wait, then 409; a dead holder's lease expires. */
describeEachDb(['sqlite', 'postgres', 'mariadb'])('the checkout lease on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;
  const leases = () => app.dataSource.getRepository(BillableLeaseEntity);

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1210 });
    app = await startTestApp({ db, fake, payments: { authGuard: jwtGuard, stripeTimeoutMs: TIMEOUT_MS, stripeMaxNetworkRetries: 0 } });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  it('a lease held elsewhere: the checkout waits about stripeTimeoutMs, then 409 checkout_in_progress with no Stripe call', async () => {
    const user = (await app.createUser()).id;
    // Another instance holds the lease (it is working, or died a moment ago).
    await leases().save({ billableId: String(user), purpose: 'checkout', holder: 'another-instance', expiresAt: new Date(Date.now() + 60_000) });
    const started = Date.now();
    let answer: Awaited<ReturnType<typeof call>> | undefined;
    const calls = await stripeCallsDuring(fake, async () => {
      answer = await call(app, 'POST', 'checkout', { user, body: { plan: 'pro' } });
    });
    const waited = Date.now() - started;
    expect(answer).toMatchObject({ status: 409, body: { code: 'checkout_in_progress' } });
    expect(waited).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(waited).toBeLessThan(TIMEOUT_MS + 1_500);
    expect(calls).toEqual([]);
    expect(await leases().findOneByOrFail({ billableId: String(user), purpose: 'checkout' })).toMatchObject({ holder: 'another-instance' });
  });

  it('an expired lease (its instance died) is taken over; the lease is free again after the checkout', async () => {
    const user = (await app.createUser()).id;
    await leases().save({ billableId: String(user), purpose: 'checkout', holder: 'dead-instance', expiresAt: new Date(Date.now() - 1_000) });
    const answer = await call(app, 'POST', 'checkout', { user, body: { plan: 'pro' } });
    expect(answer.status).toBe(200);
    expect(openSessionsOf(fake, user)).toEqual([answer.body.sessionId]);
    expect(customersOf(fake, user)).toHaveLength(1);
    expect(await leases().findOneByOrFail({ billableId: String(user), purpose: 'checkout' })).toMatchObject({ holder: null });
    expect(await leases().findOneByOrFail({ billableId: String(user), purpose: 'customer' })).toMatchObject({ holder: null });
  });

  it('the lease is released when Stripe fails, so the retry goes through at once and reuses the idempotency key', async () => {
    const user = (await app.createUser()).id;
    fake.faults.failNext({ method: 'POST', path: '/v1/checkout/sessions' }, 1, { status: 500 });
    expect((await call(app, 'POST', 'checkout', { user, body: { plan: 'pro' } })).body.code).toBe('stripe_unavailable');
    expect(await leases().findOneByOrFail({ billableId: String(user), purpose: 'checkout' })).toMatchObject({ holder: null });
    const retried = await call(app, 'POST', 'checkout', { user, body: { plan: 'pro' } });
    expect(retried.status).toBe(200);
    const creates = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions' && (r.params as { client_reference_id?: string })?.client_reference_id === String(user));
    expect(new Set(creates.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(openSessionsOf(fake, user)).toHaveLength(1);
  });
});
