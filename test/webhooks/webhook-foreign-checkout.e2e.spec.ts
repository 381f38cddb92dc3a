import type Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';
import { ownBillableId } from '../../lib/webhooks/sync/billing-sync.service';
import { call, customersOf, jwtGuard } from '../billing/billing-kit';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { reload } from './support/fake-flows';

// Issue 10, item 3: a Checkout Session made elsewhere on the account (a Payment Link or pricing
// table lets anyone set client_reference_id) must never link a customer to one of our billables.
describeEachDb(['sqlite', 'postgres'])('checkout sessions made elsewhere on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let t: TestApp;
  let stripe: Stripe;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 31 });
    t = await startTestApp({ db, fake, payments: { authGuard: jwtGuard } });
    stripe = fake.client();
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await db?.drop();
  });

  const settle = () => fake.waitForDeliveries(15_000);

  /** What a Payment Link visit with `?client_reference_id=<victim>` makes: no customer of ours, none of our metadata. */
  async function foreignPaidSession(clientReferenceId: string, metadata: Record<string, string> = {}): Promise<{ customerId: string; subscriptionId: string }> {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      client_reference_id: clientReferenceId,
      line_items: [{ price: 'price_pro_month', quantity: 1 }],
      metadata,
      success_url: 'https://attacker.example/thanks',
      cancel_url: 'https://attacker.example/cancel',
    });
    const paid = await fake.completeCheckout(session.id, { card: 'success', email: 'attacker@example.test' });
    if (!paid.customerId || !paid.subscriptionId) throw new Error(`foreign checkout not completed: ${paid.error}`);
    return { customerId: paid.customerId, subscriptionId: paid.subscriptionId };
  }

  it("a foreign session naming the victim links nothing; the victim's own checkout and portal then use the victim's own customer", async () => {
    const victim = await t.createUser('victim@example.test');
    const attacker = await foreignPaidSession(String(victim.id));
    await settle();
    expect(await reload(t, victim.id)).toMatchObject({ stripeCustomerId: null, stripeSubscriptionId: null, plan: null, subscriptionStatus: null });

    const checkout = await call(t, 'POST', 'checkout', { user: victim.id, body: { plan: 'pro' } });
    expect(checkout.status).toBe(200);
    const [own] = customersOf(fake, victim.id);
    expect(own).toBeDefined();
    expect(own).not.toBe(attacker.customerId);
    const paid = await fake.completeCheckout(checkout.body.sessionId, { card: 'success' });
    await settle();
    expect(await reload(t, victim.id)).toMatchObject({ stripeCustomerId: own, stripeSubscriptionId: paid.subscriptionId, plan: 'pro', subscriptionStatus: 'trialing' });

    const portal = await call(t, 'POST', 'portal', { user: victim.id, body: {} });
    expect(portal.status).toBe(200);
    expect([...fake.state.portalSessions.values()].at(-1)!.customer).toBe(own);
  });

  it('a foreign session whose metadata names another billable than client_reference_id links nothing either', async () => {
    const victim = await t.createUser();
    const other = await t.createUser();
    await foreignPaidSession(String(victim.id), { billable_id: String(other.id) });
    await settle();
    expect(await reload(t, victim.id)).toMatchObject({ stripeCustomerId: null, plan: null });
    expect(await reload(t, other.id)).toMatchObject({ stripeCustomerId: null, plan: null });
  });

  it("the victim's success page with the attacker's session id is a 404 and links nothing", async () => {
    const victim = await t.createUser();
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      client_reference_id: String(victim.id),
      line_items: [{ price: 'price_pro_month', quantity: 1 }],
      success_url: 'https://attacker.example/thanks',
      cancel_url: 'https://attacker.example/cancel',
    });
    await fake.completeCheckout(session.id, { card: 'success' });
    await settle();
    const status = await call(t, 'GET', `checkout/status?session_id=${session.id}`, { user: victim.id });
    expect(status).toMatchObject({ status: 404, body: { code: 'checkout_not_found' } });
    expect(await reload(t, victim.id)).toMatchObject({ stripeCustomerId: null, plan: null });
  });
});

describe('ownBillableId', () => {
  const session = (fields: Partial<Stripe.Checkout.Session>) => ({ client_reference_id: null, metadata: {}, subscription: null, ...fields }) as Stripe.Checkout.Session;
  const sub = (billableId?: string) => ({ id: 'sub_1', metadata: billableId ? { billable_id: billableId } : {} }) as unknown as Stripe.Subscription;
  it.each([
    ['ours: both references agree', session({ client_reference_id: '7', metadata: { billable_id: '7' } }), '7'],
    ['ours, with its subscription expanded', session({ client_reference_id: '7', metadata: { billable_id: '7' }, subscription: sub('7') }), '7'],
    ['client_reference_id only (Payment Link)', session({ client_reference_id: '7' }), null],
    ['metadata only', session({ metadata: { billable_id: '7' } }), null],
    ['references disagree', session({ client_reference_id: '7', metadata: { billable_id: '8' } }), null],
    ['subscription names another billable', session({ client_reference_id: '7', metadata: { billable_id: '7' }, subscription: sub('8') }), null],
    ['empty references', session({ client_reference_id: '', metadata: { billable_id: '' } }), null],
  ])('%s', (_name, input, expected) => {
    expect(ownBillableId(input)).toBe(expected);
  });
});
