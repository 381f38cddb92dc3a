import { CanActivate, ExecutionContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PaymentsModuleOptions } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { stripeCallsDuring } from '../billing/billing-kit';
import { LogCapture } from '../support/log-capture';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { Organization, OrgMember } from './organization.entities';

/** The app's own auth: `x-member` names the signed-in member; req.user carries its organisation and role. */
class MemberAuthGuard implements CanActivate {
  dataSource!: DataSource;

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest();
    const id = Number(req.headers['x-member']);
    const member = Number.isInteger(id) ? await this.dataSource.getRepository(OrgMember).findOneBy({ id }) : null;
    if (!member) return false;
    req.user = { id: member.id, orgId: member.orgId, role: member.role, email: member.email };
    return true;
  }
}

/** The role map an app would write: owners and admins manage billing, members only look. */
async function authorizeBilling(req: any, action: string): Promise<boolean> {
  const role: string = req.user.role;
  // Two app bugs, to see how each answers: a hook that throws, and one that forgets to return.
  if (role === 'broken') throw new Error('roles table unavailable: SELECT role FROM roles WHERE secret=42');
  if (role === 'sloppy') return undefined as unknown as boolean;
  if (role === 'owner' || role === 'admin') return true;
  return action === 'view';
}

interface Answer {
  status: number;
  body: any;
}

describe.each(testDatabases())('an organisation as the billable on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;
  const auth = new MemberAuthGuard();
  const logs = new LogCapture();
  let hookCalls: { action: string; billableId: string }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 13 });
    const payments: Partial<PaymentsModuleOptions> = {
      billableEntity: Organization,
      authGuard: auth,
      getBillableId: (req) => req.user?.orgId,
      authorizeBilling: (req, action, billableId) => {
        hookCalls.push({ action, billableId });
        return authorizeBilling(req, action);
      },
      customerDetails: async (billableId) => {
        const org = await app.dataSource.getRepository(Organization).findOneByOrFail({ id: Number(billableId) });
        return { email: org.billingEmail, name: org.name, metadata: { source: 'teams-test' } };
      },
      // Below what 12 refused checkouts would cost (60): a refused member must spend none of the organisation's.
      stripeCallBudget: { limit: 24 },
    };
    app = await startTestApp({ db, fake, entities: [Organization, OrgMember], payments, logger: logs });
    auth.dataSource = app.dataSource;
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  let orgCounter = 0;
  /** An organisation with one member of each role. */
  async function organisation(): Promise<{ org: Organization; members: Record<string, OrgMember> }> {
    const n = ++orgCounter;
    const org = await app.dataSource.getRepository(Organization).save({ name: `Acme ${n} GmbH`, billingEmail: `billing${n}@acme.test` } as Organization);
    const members: Record<string, OrgMember> = {};
    for (const role of ['owner', 'admin', 'member', 'broken', 'sloppy']) {
      members[role] = await app.dataSource.getRepository(OrgMember).save({ orgId: org.id, role, email: `${role}${n}@people.test` });
    }
    return { org, members };
  }

  async function as(member: OrgMember, method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`${app.url}/api/payments/${path}`, {
      method,
      headers: { 'x-member': String(member.id), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json() };
  }

  /** Every billing route with the action it asks for and a valid request body. */
  const ROUTES: { method: string; path: string; action: string; body?: unknown }[] = [
    { method: 'GET', path: 'subscription', action: 'view' },
    { method: 'GET', path: 'usage', action: 'view' },
    { method: 'POST', path: 'checkout', action: 'checkout', body: { plan: 'pro' } },
    { method: 'GET', path: 'checkout/status?session_id=cs_test_unknown', action: 'checkout' },
    { method: 'POST', path: 'portal', action: 'portal', body: {} },
    { method: 'POST', path: 'cancel', action: 'cancel', body: {} },
    { method: 'POST', path: 'resume', action: 'resume' },
    { method: 'POST', path: 'upgrade', action: 'change_plan', body: { plan: 'enterprise' } },
    { method: 'GET', path: 'invoices', action: 'view_invoices' },
    { method: 'GET', path: 'invoices/upcoming', action: 'view_invoices' },
    { method: 'GET', path: 'invoices/in_test_unknown', action: 'view_invoices' },
    { method: 'GET', path: 'seats', action: 'view' },
    { method: 'POST', path: 'seats', action: 'manage_seats', body: { action: 'add', seats: 1 } },
  ];

  it('a member may view but every managing route answers 403 billing_forbidden, asks the hook once, and calls no Stripe', async () => {
    const { org, members } = await organisation();
    for (const route of ROUTES) {
      hookCalls = [];
      let answer!: Answer;
      const calls = await stripeCallsDuring(fake, async () => (answer = await as(members.member, route.method, route.path, route.body)));
      expect(hookCalls).toEqual([{ action: route.action, billableId: String(org.id) }]);
      if (route.action === 'view') {
        expect(answer.status).toBe(200);
      } else {
        expect({ route: route.path, ...answer }).toEqual({
          route: route.path,
          status: 403,
          body: { statusCode: 403, code: 'billing_forbidden', message: expect.any(String), action: route.action },
        });
        expect(calls).toEqual([]);
      }
    }
    expect((await as(members.member, 'GET', 'subscription')).body).toMatchObject({ plan: 'free', active: false });
    const row = await app.dataSource.getRepository(Organization).findOneByOrFail({ id: org.id });
    expect(row.stripeCustomerId).toBeNull();
  });

  it("refused requests spend none of the organisation's Stripe call budget", async () => {
    const { org, members } = await organisation();
    for (let i = 0; i < 12; i++) expect((await as(members.member, 'POST', 'checkout', { plan: 'pro' })).status).toBe(403);
    // The budget (24 calls) is the organisation's: still whole for its owner.
    const checkout = await as(members.owner, 'POST', 'checkout', { plan: 'pro' });
    expect(checkout.status).toBe(200);
    const customers = [...fake.state.customers.values()].filter((c) => c.metadata?.billable_id === String(org.id));
    expect(customers).toHaveLength(1);
  });

  it("the owner's checkout creates the Stripe customer with the organisation's name and billing e-mail, and owner and admin can manage", async () => {
    const { org, members } = await organisation();
    const checkout = await as(members.owner, 'POST', 'checkout', { plan: 'pro' });
    expect(checkout.status).toBe(200);
    const customers = [...fake.state.customers.values()].filter((c) => c.metadata?.billable_id === String(org.id));
    expect(customers).toHaveLength(1);
    expect(customers[0]).toMatchObject({ email: org.billingEmail, name: org.name, metadata: { billable_id: String(org.id), source: 'teams-test' } });

    await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
    const status = await as(members.admin, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`);
    expect(status).toMatchObject({ status: 200, body: { subscription: { plan: 'pro', active: true } } });
    expect((await as(members.member, 'GET', 'subscription')).body).toMatchObject({ plan: 'pro', active: true });
    expect(await as(members.admin, 'GET', 'invoices')).toMatchObject({ status: 200, body: { data: [expect.objectContaining({ status: 'paid' })] } });
    expect(await as(members.admin, 'POST', 'portal', {})).toMatchObject({ status: 200, body: { url: expect.any(String) } });
    expect(await as(members.member, 'POST', 'cancel', {})).toMatchObject({ status: 403, body: { code: 'billing_forbidden' } });
    expect(await as(members.owner, 'POST', 'cancel', {})).toMatchObject({ status: 200, body: { cancelAtPeriodEnd: true } });
    expect(await as(members.member, 'POST', 'resume')).toMatchObject({ status: 403, body: { code: 'billing_forbidden' } });
    expect(await as(members.admin, 'POST', 'resume')).toMatchObject({ status: 200, body: { cancelAtPeriodEnd: false } });
    // Still one customer: the admin's and the owner's requests act on the organisation's.
    expect([...fake.state.customers.values()].filter((c) => c.metadata?.billable_id === String(org.id))).toHaveLength(1);
  });

  it("a member of another organisation only ever reaches its own organisation's billing", async () => {
    const a = await organisation();
    const b = await organisation();
    const checkout = await as(a.members.owner, 'POST', 'checkout', { plan: 'pro' });
    await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
    await as(a.members.owner, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`);
    // B's owner cannot name A's session nor cancel A: every route acts on B.
    expect(await as(b.members.owner, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`)).toMatchObject({ status: 404, body: { code: 'checkout_not_found' } });
    expect(await as(b.members.owner, 'POST', 'cancel', {})).toMatchObject({ status: 400, body: { code: 'no_subscription' } });
    expect((await as(b.members.member, 'GET', 'subscription')).body).toMatchObject({ plan: 'free', active: false });
    expect((await as(a.members.member, 'GET', 'subscription')).body).toMatchObject({ plan: 'pro', active: true, cancelAtPeriodEnd: false });
  });

  it('a hook that throws is a 500 with one logged error and no details; one that does not return true is a 403', async () => {
    const { members } = await organisation();
    const before = logs.messages('error').length;
    const broken = await as(members.broken, 'POST', 'cancel', {});
    expect(broken).toEqual({ status: 500, body: { statusCode: 500, code: 'internal_error', message: expect.any(String) } });
    const errors = logs.messages('error').slice(before);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('AuthorizeBillingError');
    expect(errors.join('\n')).not.toContain('secret=42');
    expect(JSON.stringify(broken.body)).not.toContain('secret');
    expect(await as(members.sloppy, 'GET', 'subscription')).toMatchObject({ status: 403, body: { code: 'billing_forbidden', action: 'view' } });
    // Not signed in: refused by the app's auth guard, before the hook is asked.
    hookCalls = [];
    const anonymous = await fetch(`${app.url}/api/payments/subscription`);
    expect(anonymous.status).toBe(403);
    expect(hookCalls).toEqual([]);
  });
});
