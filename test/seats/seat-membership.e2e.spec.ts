import { PaymentsConfigError, SeatService } from '../../lib';
import { resolvePaymentsOptions } from '../../lib/payments-options.validator';
import { FakeStripe } from '../../lib/testing';
import { stripeCallsDuring } from '../billing/billing-kit';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { testPlans } from '../support/test-plans';
import { TestUser } from '../support/test-user.entity';
import { Organization, OrgMember } from '../teams/organization.entities';
import { as, MemberAuthGuard, organisation, seatOptions, seatPrices, subscribe } from './seat-test-kit';

/**
 * `seats.isMember`: member ids in `POST /seats` (and `claim`) come from the client, and only the
 * app knows who belongs to an organisation. With the hook, a member of another organisation is
 * 403 `not_a_member`, nothing is written and Stripe is not called.
 */
describe.each(testDatabases())('seat membership check on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;
  const auth = new MemberAuthGuard();
  const asked: [string, string][] = [];
  /** What the hook answers for members of the organisation (a hook may forget to return `true`). */
  let memberAnswer: unknown = true;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1917 });
    for (const price of seatPrices) fake.createPrice(price);
    const isMember = async (billableId: string, memberId: string) => {
      asked.push([billableId, memberId]);
      const member = await app.dataSource.getRepository(OrgMember).findOneBy({ id: Number(memberId) });
      return (member?.orgId === Number(billableId) ? memberAnswer : false) as boolean;
    };
    app = await startTestApp({ db, fake, entities: [Organization, OrgMember], payments: seatOptions(auth, { seats: { coalesceSeconds: 0, isMember } }) });
    auth.dataSource = app.dataSource;
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });
  beforeEach(() => {
    memberAnswer = true;
    asked.length = 0;
  });

  it('seats the organisation\'s own members and refuses another organisation\'s with 403 not_a_member, writing nothing', async () => {
    const { org, owner, members } = await organisation(app, 2);
    const other = await organisation(app, 1);
    await subscribe(app, fake, owner, { plan: 'team', quantity: 2 });

    expect(await as(app, owner, 'POST', 'seats', { action: 'add', members: [members[0].id] })).toMatchObject({ status: 200, body: { used: 1, purchased: 2 } });
    expect(asked).toEqual([[String(org.id), String(members[0].id)]]);

    for (const action of ['add', 'set'] as const) {
      let answer!: { status: number; body: any };
      const calls = await stripeCallsDuring(fake, async () => (answer = await as(app, owner, 'POST', 'seats', { action, members: [members[1].id, other.members[0].id] })));
      expect({ action, status: answer.status, body: answer.body }).toEqual({
        action,
        status: 403,
        body: expect.objectContaining({ code: 'not_a_member', memberId: String(other.members[0].id) }),
      });
      expect(calls).toEqual([]);
    }
    // Neither refused change seated the organisation's own member listed beside the stranger.
    expect(await as(app, owner, 'GET', 'seats')).toMatchObject({ status: 200, body: { used: 1, purchased: 2, pending: false } });
  });

  it('claim (what @RequiresSeat uses) refuses a stranger before taking a seat', async () => {
    const { org, owner, members } = await organisation(app, 1);
    const other = await organisation(app, 1);
    await subscribe(app, fake, owner, { plan: 'team', quantity: 2 });
    const seats = app.app.get(SeatService);
    await expect(seats.claim(org.id, other.members[0].id)).rejects.toMatchObject({ status: 403, code: 'not_a_member' });
    expect(await seats.claim(org.id, members[0].id)).toBe(true);
    expect(await seats.get(org.id)).toMatchObject({ used: 1, available: 1 });
  });

  it('only `true` seats a member: a hook answering anything else refuses', async () => {
    const { owner, members } = await organisation(app, 1);
    await subscribe(app, fake, owner, { plan: 'team', quantity: 2 });
    memberAnswer = 1;
    expect(await as(app, owner, 'POST', 'seats', { action: 'add', members: [members[0].id] })).toMatchObject({ status: 403, body: { code: 'not_a_member' } });
    expect(await as(app, owner, 'GET', 'seats')).toMatchObject({ body: { used: 0 } });
  });

  it('removing members does not ask the hook (freeing a seat never needs membership)', async () => {
    const { owner, members } = await organisation(app, 1);
    await subscribe(app, fake, owner, { plan: 'team', quantity: 2 });
    expect(await as(app, owner, 'POST', 'seats', { action: 'add', members: [members[0].id] })).toMatchObject({ status: 200, body: { used: 1 } });
    asked.length = 0;
    expect(await as(app, owner, 'POST', 'seats', { action: 'remove', members: [members[0].id] })).toMatchObject({ status: 200, body: { used: 0 } });
    expect(asked).toEqual([]);
  });
});

describe('seats.isMember option', () => {
  it('fails at start-up with one sentence when it is not a function', () => {
    const options = { secretKey: 'sk_test_x', plans: testPlans, billableEntity: TestUser, seats: { isMember: true as never } };
    expect(() => resolvePaymentsOptions(options)).toThrow(PaymentsConfigError);
    expect(() => resolvePaymentsOptions(options)).toThrow(/seats\.isMember must be a function/);
  });
});
