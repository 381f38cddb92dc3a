import type Stripe from 'stripe';
import { FakeStripe } from '../../../lib/testing';
import { startTestApp, TestApp, TestAppOptions } from '../../support/test-app';
import { createTestDatabase, DbKind, TestDatabase } from '../../support/test-databases';
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

/** What `fakeAppPerSuite` hands each test: the app, its FakeStripe and a client of the fake. */
export interface FakeApp {
  t: TestApp;
  fake: FakeStripe;
  stripe: Stripe;
}

/**
 * A FakeStripe (seeded) and a test app on a fresh `kind` database for the calling `describe`:
 * started in its `beforeAll`, closed with the database dropped in its `afterAll`. Returns a getter.
 */
export function fakeAppPerSuite(kind: DbKind, seed: number, options: Omit<TestAppOptions, 'db' | 'fake'> = {}): () => FakeApp {
  let db: TestDatabase | undefined;
  let fake: FakeStripe | undefined;
  let app: FakeApp | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed });
    app = { fake, t: await startTestApp({ db, fake, ...options }), stripe: fake.client() };
  });
  afterAll(async () => {
    await app?.t.close();
    await fake?.stop();
    await db?.drop();
  });
  return () => app!;
}
