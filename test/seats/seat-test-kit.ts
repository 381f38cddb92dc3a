import { CanActivate, ExecutionContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { definePlans, PaymentsModuleOptions } from '../../lib';
import { WorkQueue } from '../../lib';
import { SEAT_SYNC_KIND } from '../../lib/seats/seat.tokens';
import { FakeStripe } from '../../lib/testing';
import { TestApp } from '../support/test-app';
import { Organization, OrgMember } from '../teams/organization.entities';

/** Plans of a team product: free with 2 included seats, per-seat monthly/yearly, "base + seats", and one without seats. */
export const seatPlans = definePlans({
  free: { name: 'Free', seats: { included: 2 } },
  solo: { name: 'Solo', priceId: 'price_solo_month' },
  team: { name: 'Team', prices: { month: 'price_team_seat_month', year: 'price_team_seat_year' }, seats: { min: 2, max: 10 } },
  business: {
    name: 'Business',
    prices: { month: 'price_biz_base_month' },
    seats: { included: 3, max: 50, prices: { month: 'price_biz_seat_month' } },
  },
});

/** Prices of `seatPlans`, per unit (Stripe's default billing scheme). */
export const seatPrices = [
  { id: 'price_solo_month', unitAmount: 900, interval: 'month' as const, productName: 'Solo' },
  { id: 'price_team_seat_month', unitAmount: 1000, interval: 'month' as const, productName: 'Team seat' },
  { id: 'price_team_seat_year', unitAmount: 10000, interval: 'year' as const, productName: 'Team seat' },
  { id: 'price_biz_base_month', unitAmount: 5000, interval: 'month' as const, productName: 'Business' },
  { id: 'price_biz_seat_month', unitAmount: 800, interval: 'month' as const, productName: 'Business seat' },
];

/** The app's own auth: `x-member` names the signed-in member; req.user carries its organisation and role. */
export class MemberAuthGuard implements CanActivate {
  dataSource!: DataSource;

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest();
    const id = Number(req.headers['x-member']);
    const member = Number.isInteger(id) ? await this.dataSource.getRepository(OrgMember).findOneBy({ id }) : null;
    if (!member) return false;
    req.user = { id: member.id, orgId: member.orgId, role: member.role };
    return true;
  }
}

/** Owners and admins manage billing and seats; members only look. */
export function authorizeBilling(req: any, action: string): boolean {
  const role: string = req.user.role;
  return role === 'owner' || role === 'admin' || action === 'view';
}

/** PaymentsModule options of a team app on `seatPlans`. */
export function seatOptions(auth: MemberAuthGuard, extra: Partial<PaymentsModuleOptions> = {}): Partial<PaymentsModuleOptions> {
  return {
    plans: seatPlans,
    billableEntity: Organization,
    authGuard: auth,
    getBillableId: (req) => req.user?.orgId,
    authorizeBilling: (req, action) => authorizeBilling(req, action),
    stripeCallBudget: false,
    seats: { coalesceSeconds: 0 },
    ...extra,
  };
}

export interface Answer {
  status: number;
  body: any;
}

/** A request to the payments routes as a member. */
export async function as(app: TestApp, member: OrgMember, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${app.url}/api/payments/${path}`, {
    method,
    headers: { 'x-member': String(member.id), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

let orgCounter = 0;

/** An organisation with an owner, an admin and `members` plain members. */
export async function organisation(app: TestApp, members = 1): Promise<{ org: Organization; owner: OrgMember; admin: OrgMember; members: OrgMember[] }> {
  const n = ++orgCounter;
  const org = await app.dataSource.getRepository(Organization).save({ name: `Team ${n}`, billingEmail: `billing${n}@team.test` } as Organization);
  const repo = app.dataSource.getRepository(OrgMember);
  const owner = await repo.save({ orgId: org.id, role: 'owner', email: `owner${n}@team.test` });
  const admin = await repo.save({ orgId: org.id, role: 'admin', email: `admin${n}@team.test` });
  const list: OrgMember[] = [];
  for (let i = 0; i < members; i++) list.push(await repo.save({ orgId: org.id, role: 'member', email: `m${i}-${n}@team.test` }));
  return { org, owner, admin, members: list };
}

/** Subscribes the organisation through checkout and the success-page sync; returns the subscription id. */
export async function subscribe(app: TestApp, fake: FakeStripe, owner: OrgMember, body: Record<string, unknown>): Promise<string> {
  const checkout = await as(app, owner, 'POST', 'checkout', body);
  if (checkout.status !== 200) throw new Error(`checkout answered ${checkout.status}: ${JSON.stringify(checkout.body)}`);
  const done = await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
  const status = await as(app, owner, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`);
  if (status.status !== 200) throw new Error(`checkout status answered ${status.status}`);
  // The checkout's webhooks settle first, so later assertions on Stripe calls see only their own.
  await fake.waitForDeliveries();
  return done.subscriptionId as string;
}

/** The shared work queue of an app instance. */
export function queueOf(app: TestApp): WorkQueue {
  return app.app.get(WorkQueue);
}

/** Runs every due seat push now. */
export function drainSeats(app: TestApp): Promise<number> {
  return queueOf(app).drain(SEAT_SYNC_KIND);
}

/** The quantity of a subscription's item at a price, at the fake. */
export function stripeQuantity(fake: FakeStripe, subscriptionId: string, priceId: string): number | undefined {
  return fake.state.subscriptions.get(subscriptionId)?.items.data.find((item) => item.price.id === priceId)?.quantity ?? undefined;
}

/** Subscription updates Stripe carried out for one subscription: answered 200 or done with the answer lost; replays excluded. */
export function executedUpdates(fake: FakeStripe, subscriptionId: string) {
  return fake.requests.filter(
    (r) => r.method === 'POST' && r.path === `/v1/subscriptions/${subscriptionId}` && (r.status === 200 || r.lostAnswerStatus === 200) && !r.replayed,
  );
}
