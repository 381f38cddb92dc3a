import { Controller, Get, Req } from '@nestjs/common';
import { RequiresSeat, SeatOperations } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { stripeCallsDuring } from '../billing/billing-kit';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { Organization, OrgMember } from '../teams/organization.entities';
import { as, drainSeats, executedUpdates, MemberAuthGuard, organisation, seatOptions, seatPrices, stripeQuantity, subscribe } from './seat-test-kit';

/** An app route only seated members may use. */
@Controller('workspace')
class WorkspaceController {
  @Get()
  @RequiresSeat()
  open(@Req() req: { user: { id: number } }) {
    return { member: req.user.id };
  }
}

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.each(testDatabases())('seats over HTTP on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;
  const auth = new MemberAuthGuard();

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 1913 });
    for (const price of seatPrices) fake.createPrice(price);
    app = await startTestApp({ db, fake, entities: [Organization, OrgMember], payments: seatOptions(auth), controllers: [WorkspaceController] });
    auth.dataSource = app.dataSource;
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  it('checkout refuses a bad quantity with a stable 400 code and calls no Stripe', async () => {
    const { owner } = await organisation(app);
    const cases: [Record<string, unknown>, string][] = [
      [{ plan: 'team', quantity: 0 }, 'invalid_quantity'],
      [{ plan: 'team', quantity: -3 }, 'invalid_quantity'],
      [{ plan: 'team', quantity: 2.5 }, 'invalid_quantity'],
      [{ plan: 'team', quantity: '3' }, 'invalid_quantity'],
      [{ plan: 'team', quantity: 11 }, 'quantity_above_max'],
      [{ plan: 'team', quantity: 1 }, 'quantity_below_min'],
      [{ plan: 'solo', quantity: 2 }, 'plan_without_seats'],
    ];
    for (const [body, code] of cases) {
      let answer!: { status: number; body: any };
      const calls = await stripeCallsDuring(fake, async () => (answer = await as(app, owner, 'POST', 'checkout', body)));
      expect({ body, status: answer.status, code: answer.body.code }).toEqual({ body, status: 400, code });
      expect(calls).toEqual([]);
    }
    // A price never comes from the client.
    expect(await as(app, owner, 'POST', 'checkout', { plan: 'team', quantity: 3, price: 'price_team_seat_month' })).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
  });

  it('a per-seat checkout buys the quantity; GET /seats shows used, purchased, included, max and available', async () => {
    const { owner, members } = await organisation(app);
    expect(await as(app, members[0], 'GET', 'seats')).toEqual({ status: 200, body: { used: 0, purchased: 0, included: 2, max: null, available: 2, pending: false } });
    const sub = await subscribe(app, fake, owner, { plan: 'team', quantity: 3 });
    expect(stripeQuantity(fake, sub, 'price_team_seat_month')).toBe(3);
    expect(await as(app, members[0], 'GET', 'seats')).toEqual({ status: 200, body: { used: 0, purchased: 3, included: 0, max: 10, available: 3, pending: false } });
  });

  it('"base + seats" checks out as two items; the included seats add to those bought', async () => {
    const { owner } = await organisation(app);
    const sub = await subscribe(app, fake, owner, { plan: 'business', quantity: 2 });
    const items = fake.state.subscriptions.get(sub)!.items.data.map((item) => [item.price.id, item.quantity]);
    expect(items).toEqual([
      ['price_biz_base_month', 1],
      ['price_biz_seat_month', 2],
    ]);
    expect((await as(app, owner, 'GET', 'subscription')).body).toMatchObject({ plan: 'business', active: true });
    expect((await as(app, owner, 'GET', 'seats')).body).toMatchObject({ purchased: 2, included: 3, available: 5, max: 50 });
  });

  it('a plan change keeps the seats only where they fit: to a plan without seats or with seat add-ons it is refused before any Stripe write', async () => {
    const { owner } = await organisation(app);
    const sub = await subscribe(app, fake, owner, { plan: 'team', quantity: 3 });
    const cases: [string, Record<string, unknown>, number, string][] = [
      ['upgrade', { plan: 'solo' }, 400, 'plan_without_seats'],
      ['upgrade', { plan: 'business' }, 409, 'plan_change_unsupported'],
    ];
    for (const [route, body, status, code] of cases) {
      let answer!: { status: number; body: any };
      const calls = await stripeCallsDuring(fake, async () => (answer = await as(app, owner, 'POST', route, body)));
      expect({ route, status: answer.status, code: answer.body.code }).toEqual({ route, status, code });
      expect(calls.filter((c) => c.method !== 'GET')).toEqual([]);
    }
    expect(stripeQuantity(fake, sub, 'price_team_seat_month')).toBe(3);
    expect((await as(app, owner, 'GET', 'subscription')).body).toMatchObject({ plan: 'team' });
  });

  it('owner and admin add, remove and set seats: the count changes at once, Stripe follows through the queue', async () => {
    const { owner, admin, members } = await organisation(app);
    const sub = await subscribe(app, fake, owner, { plan: 'team', quantity: 2 });
    const add = await as(app, admin, 'POST', 'seats', { action: 'add', seats: 3 });
    expect(add).toEqual({ status: 200, body: { used: 0, purchased: 5, included: 0, max: 10, available: 5, pending: true } });
    expect(stripeQuantity(fake, sub, 'price_team_seat_month')).toBe(2);
    await drainSeats(app);
    expect(stripeQuantity(fake, sub, 'price_team_seat_month')).toBe(5);
    expect((await as(app, members[0], 'GET', 'seats')).body).toMatchObject({ purchased: 5, pending: false });

    expect((await as(app, owner, 'POST', 'seats', { action: 'remove', seats: 1 })).body).toMatchObject({ purchased: 4 });
    expect((await as(app, owner, 'POST', 'seats', { action: 'set', seats: 7 })).body).toMatchObject({ purchased: 7 });
    await drainSeats(app);
    expect(stripeQuantity(fake, sub, 'price_team_seat_month')).toBe(7);
    // Every quantity update Stripe executed changed the quantity (none repeated one), ending at 7.
    const quantities = executedUpdates(fake, sub).map((r) => Number((r.params?.items as { quantity: string }[])[0].quantity));
    expect(quantities.filter((q, i) => q === (i === 0 ? 2 : quantities[i - 1]))).toEqual([]);
    expect(quantities[quantities.length - 1]).toBe(7);
  });

  it('refusals: a member gets 403 billing_forbidden, bounds are 400, seats in use are 409, no subscription is 409; none calls Stripe', async () => {
    const { owner, members } = await organisation(app, 3);
    const bare = await organisation(app);
    expect(await as(app, bare.owner, 'POST', 'seats', { action: 'add', seats: 1 })).toMatchObject({ status: 409, body: { code: 'no_seat_subscription' } });
    await subscribe(app, fake, owner, { plan: 'team', quantity: 3 });
    // Three members take the three seats.
    expect((await as(app, owner, 'POST', 'seats', { action: 'add', members: members.map((m) => String(m.id)) })).body).toMatchObject({ used: 3, purchased: 3, available: 0 });
    const refusals: [unknown, OrgMember, number, string][] = [
      [{ action: 'add', seats: 1 }, members[0], 403, 'billing_forbidden'],
      [{ action: 'remove', seats: 1 }, owner, 409, 'seats_in_use'],
      [{ action: 'set', seats: 2 }, owner, 409, 'seats_in_use'],
      [{ action: 'add', seats: 8 }, owner, 400, 'quantity_above_max'],
      [{ action: 'add', seats: 0 }, owner, 400, 'invalid_quantity'],
      [{ action: 'add', seats: 1.5 }, owner, 400, 'invalid_quantity'],
      [{ action: 'add', seats: -1 }, owner, 400, 'invalid_quantity'],
      [{ action: 'add' }, owner, 400, 'invalid_request'],
      [{ action: 'add', seats: 1, members: ['1'] }, owner, 400, 'invalid_request'],
      [{ action: 'grow', seats: 1 }, owner, 400, 'invalid_request'],
    ];
    for (const [body, who, status, code] of refusals) {
      let answer!: { status: number; body: any };
      const calls = await stripeCallsDuring(fake, async () => (answer = await as(app, who, 'POST', 'seats', body)));
      expect({ body, status: answer.status, code: answer.body.code }).toEqual({ body, status, code });
      expect(calls).toEqual([]);
    }
    expect((await as(app, members[0], 'GET', 'seats')).body).toMatchObject({ used: 3, purchased: 3, pending: false });
    // Freeing a member's seat stops paying for it, down to the plan's minimum.
    expect((await as(app, owner, 'POST', 'seats', { action: 'remove', members: [String(members[2].id)] })).body).toMatchObject({ used: 2, purchased: 2 });
  });

  it('@RequiresSeat seats members while seats are free, refuses the next with 403 seat_limit_reached, and lets them in once one more is bought', async () => {
    const { owner, members } = await organisation(app, 3);
    await subscribe(app, fake, owner, { plan: 'team', quantity: 2 });
    expect(await as(app, members[0], 'GET', '../workspace')).toEqual({ status: 200, body: { member: members[0].id } });
    expect((await as(app, members[1], 'GET', '../workspace')).status).toBe(200);
    expect(await as(app, members[2], 'GET', '../workspace')).toEqual({
      status: 403,
      body: { statusCode: 403, code: 'seat_limit_reached', message: expect.any(String), used: 2, purchased: 2, included: 0, max: 10 },
    });
    // Seated members keep their seat.
    expect((await as(app, members[0], 'GET', '../workspace')).status).toBe(200);
    expect((await as(app, owner, 'POST', 'seats', { action: 'add', seats: 1 })).body).toMatchObject({ purchased: 3, available: 1 });
    expect((await as(app, members[2], 'GET', '../workspace')).status).toBe(200);
    expect((await as(app, owner, 'GET', 'seats')).body).toMatchObject({ used: 3, purchased: 3, available: 0 });
  });

  it('proration defaults: monthly additions wait for the next invoice, yearly additions are invoiced now, removals give no credit', async () => {
    const invoicesOf = (sub: string) => [...fake.state.invoices.values()].filter((i) => (i as any).parent?.subscription_details?.subscription === sub || (i as any).subscription === sub);
    const monthly = await organisation(app);
    const m = await subscribe(app, fake, monthly.owner, { plan: 'team', quantity: 2 });
    const yearly = await organisation(app);
    const y = await subscribe(app, fake, yearly.owner, { plan: 'team', interval: 'year', quantity: 2 });
    const before = { m: invoicesOf(m).length, y: invoicesOf(y).length };
    expect((await as(app, monthly.owner, 'POST', 'seats', { action: 'add', seats: 2 })).status).toBe(200);
    expect((await as(app, yearly.owner, 'POST', 'seats', { action: 'add', seats: 2 })).status).toBe(200);
    await drainSeats(app);
    expect(executedUpdates(fake, m).map((r) => r.params?.proration_behavior)).toEqual(['create_prorations']);
    expect(executedUpdates(fake, y).map((r) => r.params?.proration_behavior)).toEqual(['always_invoice']);
    expect(invoicesOf(m)).toHaveLength(before.m);
    const yearlyInvoices = invoicesOf(y);
    expect(yearlyInvoices).toHaveLength(before.y + 1);
    expect(yearlyInvoices.find((i) => i.billing_reason === 'subscription_update')?.amount_due).toBeGreaterThan(0);

    expect((await as(app, yearly.owner, 'POST', 'seats', { action: 'remove', seats: 1 })).status).toBe(200);
    await drainSeats(app);
    expect(executedUpdates(fake, y).map((r) => r.params?.proration_behavior)).toEqual(['always_invoice', 'none']);
    expect(invoicesOf(y)).toHaveLength(before.y + 1);
    expect(stripeQuantity(fake, y, 'price_team_seat_year')).toBe(3);
  });

  it('a quantity changed at Stripe (the billing portal) updates the stored seats through the webhook', async () => {
    const { owner } = await organisation(app);
    const sub = await subscribe(app, fake, owner, { plan: 'team', quantity: 4 });
    const stripe = fake.client();
    const item = fake.state.subscriptions.get(sub)!.items.data[0];
    await stripe.subscriptions.update(sub, { items: [{ id: item.id, quantity: 6 }], proration_behavior: 'create_prorations' });
    await until(async () => (await as(app, owner, 'GET', 'seats')).body.purchased === 6, 'the portal quantity to arrive');
    expect((await as(app, owner, 'GET', 'seats')).body).toMatchObject({ purchased: 6, pending: false });
    const report = await app.app.get(SeatOperations).checkDrift();
    expect(report.differences.filter((d) => d.subscriptionId === sub)).toEqual([]);
  });

  it('seats:check reports a billable whose Stripe quantity differs with no change pending', async () => {
    const { org, owner } = await organisation(app);
    const sub = await subscribe(app, fake, owner, { plan: 'team', quantity: 4 });
    fake.pauseDeliveries();
    try {
      const item = fake.state.subscriptions.get(sub)!.items.data[0];
      await fake.client().subscriptions.update(sub, { items: [{ id: item.id, quantity: 9 }] });
      const report = await app.app.get(SeatOperations).checkDrift();
      expect(report.differences.filter((d) => d.subscriptionId === sub)).toEqual([{ billableId: String(org.id), subscriptionId: sub, purchased: 4, stripe: 9, used: 0, pending: false }]);
      expect(report.drifted).toBeGreaterThanOrEqual(1);
    } finally {
      fake.resumeDeliveries();
    }
    await until(async () => (await as(app, owner, 'GET', 'seats')).body.purchased === 9, 'the webhook to catch up');
  });
});
