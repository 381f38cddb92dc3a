import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';

// pause_collection on subscription updates: what a renewal does while collection is paused.
describe('FakeStripe pause_collection', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeAll(async () => {
    fake = await FakeStripe.start({ seed: 10 });
    stripe = fake.client();
    fake.createPrice({ id: 'price_pause', unitAmount: 1000, interval: 'month' });
  });
  afterAll(() => fake.stop());

  async function renewed(pause: Stripe.SubscriptionUpdateParams['pause_collection']) {
    const customer = await stripe.customers.create({ email: 'pause@example.com' });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_pause' }] });
    const updated = await stripe.subscriptions.update(sub.id, { pause_collection: pause });
    await fake.advanceTime(sub.items.data[0].current_period_end - fake.now() + 60);
    const invoices = (await stripe.invoices.list({ customer: customer.id })).data.reverse();
    return { updated, after: await stripe.subscriptions.retrieve(sub.id), invoices };
  }

  it.each([
    ['void', 'void'],
    ['keep_as_draft', 'draft'],
    ['mark_uncollectible', 'uncollectible'],
  ] as const)('%s: the renewal invoice is %s and nothing is charged; the subscription stays active', async (behavior, status) => {
    const { updated, after, invoices } = await renewed({ behavior });
    expect(updated.pause_collection).toEqual({ behavior, resumes_at: null });
    expect(invoices.map((i) => [i.status, i.amount_paid])).toEqual([['paid', 1000], [status, 0]]);
    expect(after.status).toBe('active');
  });

  it('a resumes_at reached by the renewal lifts the pause first: that renewal is charged', async () => {
    const { after, invoices } = await renewed({ behavior: 'void', resumes_at: fake.now() + 86_400 });
    expect(after.pause_collection).toBeNull();
    expect(invoices.map((i) => i.status)).toEqual(['paid', 'paid']);
  });

  it('an empty value resumes; a missing behavior and a past resumes_at are refused', async () => {
    const customer = await stripe.customers.create({ email: 'pause2@example.com' });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_pause' }] });
    await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'void' } });
    expect((await stripe.subscriptions.update(sub.id, { pause_collection: '' })).pause_collection).toBeNull();
    await expect(stripe.subscriptions.update(sub.id, { pause_collection: { resumes_at: fake.now() + 10 } as never })).rejects.toMatchObject({ statusCode: 400 });
    await expect(stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'void', resumes_at: fake.now() - 10 } })).rejects.toMatchObject({ statusCode: 400 });
  });
});
