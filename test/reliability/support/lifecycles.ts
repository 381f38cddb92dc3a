import type Stripe from 'stripe';
import { TestUser } from '../../support/test-user.entity';
import { pool } from './http-client';
import { Rng } from './reliability-env';
import { Harness } from './reliability-harness';

const DAY = 86_400;

/** A billable whose subscription went through a generated lifecycle at the fake. */
export interface Lifecycle {
  user: TestUser;
  subscriptionId: string;
  customerId: string;
}

/** Checks out `plan` through the app (customer + session created by the app) and pays on the fake. */
export async function checkoutAndPay(h: Harness, instance: number, user: TestUser, plan: 'pro' | 'enterprise', interval?: 'month' | 'year'): Promise<Lifecycle> {
  const res = await h.call(instance, 'POST', 'checkout', user.id, { plan, ...(interval ? { interval } : {}) });
  if (res.status !== 200) throw new Error(`POST /checkout answered ${res.status}: ${res.text}`);
  const paid = await h.fake.completeCheckout(res.json.sessionId, { card: 'success' });
  if (!paid.subscriptionId || !paid.customerId) throw new Error(`checkout not completed: ${paid.error}`);
  return { user, subscriptionId: paid.subscriptionId, customerId: paid.customerId };
}

/**
 * One batch of billables through a seeded mix of what Stripe does over two months: checkout
 * (trial or not), upgrades and interval changes, declined renewals with and without recovery,
 * cancel at period end, portal-style `cancel_at`, immediate cancels, and renewals by the clock.
 * The fake emits the events; nothing here touches the app's tables.
 */
export async function runLifecycles(h: Harness, rng: Rng, count: number): Promise<Lifecycle[]> {
  const stripe: Stripe = h.fake.client();
  const users = await pool(8, count, () => h.user());
  const plans = users.map(() => (rng.next() < 0.6 ? 'pro' : 'enterprise') as 'pro' | 'enterprise');
  const lives = await pool(8, count, (i) => checkoutAndPay(h, i, users[i], plans[i], plans[i] === 'pro' && rng.next() < 0.2 ? 'year' : undefined));
  const kinds = lives.map(() => rng.int(0, 9));
  await pool(8, count, async (i) => {
    const { subscriptionId: id, customerId } = lives[i];
    const sub = await stripe.subscriptions.retrieve(id);
    const item = sub.items.data[0];
    if (kinds[i] === 1 && item.price.id !== 'price_enterprise_month') await stripe.subscriptions.update(id, { items: [{ id: item.id, price: 'price_enterprise_month' }] });
    if (kinds[i] === 2 && item.price.id === 'price_pro_month') await stripe.subscriptions.update(id, { items: [{ id: item.id, price: 'price_pro_year' }] });
    if (kinds[i] === 3 || kinds[i] === 4) h.fake.setCustomerCard(customerId, 'decline');
    if (kinds[i] === 5) await stripe.subscriptions.update(id, { cancel_at_period_end: true });
  });
  await h.fake.advanceTime(20 * DAY);
  await pool(8, count, async (i) => {
    const { subscriptionId: id, customerId } = lives[i];
    if (kinds[i] === 3) h.fake.setCustomerCard(customerId, 'success');
    if (kinds[i] === 6) await stripe.subscriptions.cancel(id);
    if (kinds[i] === 7) await stripe.subscriptions.update(id, { cancel_at: h.fake.now() + 10 * DAY });
    if (kinds[i] === 8) {
      await stripe.subscriptions.update(id, { cancel_at_period_end: true });
      await stripe.subscriptions.update(id, { cancel_at_period_end: false });
    }
  });
  await h.fake.advanceTime(40 * DAY);
  return lives;
}
