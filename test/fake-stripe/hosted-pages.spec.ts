import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';

/** Reads the hidden fields of the form whose button has this label. */
function formFor(html: string, label: string): { action: string; fields: Record<string, string> } {
  const forms = html.match(/<form[\s\S]*?<\/form>/g) ?? [];
  const form = forms.find((f) => f.includes(`>${label}</button>`));
  if (!form) throw new Error(`no form "${label}" in ${html}`);
  const action = /action="([^"]+)"/.exec(form)![1];
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/name="([^"]+)" value="([^"]*)"/g)) fields[m[1]] = m[2];
  return { action, fields };
}

describe('FakeStripe hosted pages', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeAll(async () => {
    fake = await FakeStripe.start({ seed: 21 });
    stripe = fake.client();
    fake.createPrice({ id: 'price_team_month', unitAmount: 3000, interval: 'month', productName: 'Team' });
    fake.createPrice({ id: 'price_team_year', unitAmount: 30000, interval: 'year', productName: 'Team yearly' });
  });
  afterAll(() => fake.stop());

  async function submit(pageUrl: string, label: string): Promise<Response> {
    const html = await (await fetch(pageUrl)).text();
    const { action, fields } = formFor(html, label);
    return fetch(new URL(action, pageUrl), { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  const newSession = (extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) =>
    stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: 'price_team_month', quantity: 2 }],
      success_url: 'https://app.example/ok?sid={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://app.example/cancel',
      ...extra,
    });

  it('checkout page: "Pay with test card" answers 303 to success_url and creates the subscription', async () => {
    const session = await newSession({ subscription_data: { trial_period_days: 14, metadata: { plan: 'team' } } });
    const html = await (await fetch(session.url!)).text();
    expect(html).toContain('Team');
    expect(html).toContain('14-day free trial');
    expect(html).toContain('https://app.example/cancel');
    const res = await submit(session.url!, 'Pay with test card');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`https://app.example/ok?sid=${session.id}`);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] });
    expect(done).toMatchObject({ status: 'complete', payment_status: 'no_payment_required' });
    const sub = done.subscription as Stripe.Subscription;
    expect(sub).toMatchObject({ status: 'trialing', metadata: { plan: 'team' } });
    expect(sub.trial_end! - sub.trial_start!).toBe(14 * 86_400);
    expect(sub.items.data[0].quantity).toBe(2);
  });

  it('checkout page: "Decline" keeps the session open and shows the error', async () => {
    const session = await newSession();
    const res = await submit(session.url!, 'Decline');
    expect(res.status).toBe(402);
    expect(await res.text()).toContain('Your card was declined.');
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
  });

  it('checkout page: "Requires action" asks for authentication, then completes', async () => {
    const session = await newSession();
    const challenge = await submit(session.url!, 'Requires action');
    const html = await challenge.text();
    expect(html).toContain('Complete authentication');
    const { action, fields } = formFor(html, 'Complete authentication');
    const res = await fetch(new URL(action, session.url!), { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
    expect(res.status).toBe(303);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done.status).toBe('complete');
    expect(done.payment_status).toBe('paid');
  });

  it('portal: cancel at period end, resume, switch price, and a link back to return_url', async () => {
    const session = await newSession();
    const { customerId, subscriptionId } = await fake.completeCheckout(session.id);
    const portal = await stripe.billingPortal.sessions.create({ customer: customerId!, return_url: 'https://app.example/account' });
    expect(portal.url).toBe(`${fake.url}/portal/${portal.id}`);
    expect(await (await fetch(portal.url)).text()).toContain('href="https://app.example/account"');

    let res = await submit(portal.url, 'Cancel subscription');
    expect(res.status).toBe(303);
    let sub = await stripe.subscriptions.retrieve(subscriptionId!);
    expect(sub.cancel_at_period_end).toBe(true);
    expect(sub.cancel_at).toBe(sub.items.data[0].current_period_end);

    res = await submit(portal.url, 'Renew subscription');
    sub = await stripe.subscriptions.retrieve(subscriptionId!);
    expect([res.status, sub.cancel_at_period_end, sub.cancel_at]).toEqual([303, false, null]);

    const switchLabel = formFor(await (await fetch(portal.url)).text(), 'Switch to price_team_year (300.00 USD/year)');
    expect(switchLabel.fields.price).toBe('price_team_year');
    await submit(portal.url, 'Switch to price_team_year (300.00 USD/year)');
    sub = await stripe.subscriptions.retrieve(subscriptionId!);
    expect(sub.items.data[0].price.id).toBe('price_team_year');
    const types = fake.events.filter((e) => (e.data.object as { id?: string }).id === subscriptionId).map((e) => e.type);
    expect(types.slice(-3)).toEqual(['customer.subscription.updated', 'customer.subscription.updated', 'customer.subscription.updated']);
  });

  it('portal with portalCancelMode=cancel_at sets cancel_at instead of the flag', async () => {
    const other = await FakeStripe.start({ seed: 22, portalCancelMode: 'cancel_at' });
    try {
      const s = other.client();
      other.createPrice({ id: 'price_x', unitAmount: 100, interval: 'month' });
      const cs = await s.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: 'price_x', quantity: 1 }], success_url: 'https://a.example/ok' });
      const { customerId, subscriptionId } = await other.completeCheckout(cs.id);
      const portal = await s.billingPortal.sessions.create({ customer: customerId! });
      const html = await (await fetch(portal.url)).text();
      const { action, fields } = formFor(html, 'Cancel subscription');
      await fetch(new URL(action, portal.url), { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
      const sub = await s.subscriptions.retrieve(subscriptionId!);
      expect(sub.cancel_at_period_end).toBe(false);
      expect(sub.cancel_at).toBe(sub.items.data[0].current_period_end);
    } finally {
      await other.stop();
    }
  });

  it('completeCheckout in payment mode pays once without a subscription', async () => {
    fake.createPrice({ id: 'price_credits', unitAmount: 500, productName: 'Credits' });
    const session = await stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ price: 'price_credits', quantity: 3 }], success_url: 'https://app.example/paid', customer_creation: 'always' });
    expect(session.amount_total).toBe(1500);
    const result = await fake.completeCheckout(session.id);
    expect(result.subscriptionId).toBeUndefined();
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done).toMatchObject({ status: 'complete', payment_status: 'paid', subscription: null });
    expect(done.payment_intent).toMatch(/^pi_/);
    expect(done.customer).toMatch(/^cus_/);
    await expect(fake.completeCheckout(session.id)).rejects.toMatchObject({ status: 400 });
  });

  it('expire, list by status, and expiry on the clock', async () => {
    const a = await newSession();
    const expired = await stripe.checkout.sessions.expire(a.id);
    expect(expired.status).toBe('expired');
    const b = await newSession();
    await fake.advanceTime(24 * 3600 + 1);
    expect((await stripe.checkout.sessions.retrieve(b.id)).status).toBe('expired');
    const open = await stripe.checkout.sessions.list({ status: 'open' });
    expect(open.data).toHaveLength(0);
    expect(fake.events.filter((e) => e.type === 'checkout.session.expired').map((e) => (e.data.object as Stripe.Checkout.Session).id)).toEqual(
      expect.arrayContaining([a.id, b.id]),
    );
  });
});
