import type Stripe from 'stripe';
import { FakeStripe } from '../../../lib/testing';
import { TestApp } from '../../support/test-app';
import { TestUser } from '../../support/test-user.entity';

/** A user with a Stripe customer, as the billing room's checkout would leave it. */
export async function userWithCustomer(t: TestApp, stripe: Stripe): Promise<TestUser> {
  const user = await t.createUser();
  const customer = await stripe.customers.create({ email: user.email, metadata: { billable_id: String(user.id) } });
  await t.dataSource.getRepository(TestUser).update({ id: user.id }, { stripeCustomerId: customer.id });
  return (await t.dataSource.getRepository(TestUser).findOneByOrFail({ id: user.id }))!;
}

/** Creates and pays a subscription checkout the way the billing room does; returns the subscription id. */
export async function subscribe(fake: FakeStripe, stripe: Stripe, user: TestUser, price = 'price_pro_month', extra: Partial<Stripe.Checkout.SessionCreateParams> = {}): Promise<string> {
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    customer: user.stripeCustomerId!,
    client_reference_id: String(user.id),
    line_items: [{ price, quantity: 1 }],
    metadata: { billable_id: String(user.id) },
    subscription_data: { metadata: { billable_id: String(user.id) } },
    success_url: 'http://app.test/ok?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://app.test/cancel',
    ...extra,
  });
  const result = await fake.completeCheckout(session.id, { card: 'success' });
  if (!result.subscriptionId) throw new Error(`checkout did not complete: ${result.error}`);
  return result.subscriptionId;
}

/** The user's row as stored now. */
export function reload(t: TestApp, id: number): Promise<TestUser> {
  return t.dataSource.getRepository(TestUser).findOneByOrFail({ id });
}
