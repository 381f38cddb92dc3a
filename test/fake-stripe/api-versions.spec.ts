import Stripe from 'stripe';
import { FAKE_API_VERSIONS, FakeStripe } from '../../lib/testing';
import { WebhookReceiver } from './webhook-receiver';

type Loose = Record<string, any>;

describe('FakeStripe and Stripe-Version', () => {
  let fake: FakeStripe;
  let hooks: WebhookReceiver;
  let priceId: string;

  beforeEach(async () => {
    fake = await FakeStripe.start({ seed: 11 });
    hooks = await new WebhookReceiver().start();
    priceId = fake.createPrice({ unitAmount: 1500, interval: 'month' }).id;
  });
  afterEach(async () => {
    await fake.stop();
    await hooks.stop();
  });

  const pinned = (apiVersion: string): Stripe => fake.client({ apiVersion: apiVersion as never });
  const subscribe = async (stripe: Stripe, extra: Loose = {}): Promise<Loose> => {
    const customer = await stripe.customers.create({ email: 'v@example.com' });
    return (await stripe.subscriptions.create({ customer: customer.id, items: [{ price: priceId }], ...extra } as never)) as unknown as Loose;
  };

  it('models a small explicit list of versions, the SDK’s own last', () => {
    expect(FAKE_API_VERSIONS).toEqual(['2024-09-30.acacia', '2025-03-31.basil', '2025-09-30.clover', Stripe.API_VERSION]);
  });

  it('refuses a version it does not model with a 400 in Stripe’s error shape', async () => {
    const err = await pinned('2099-01-01.zz').customers.create({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    expect((err as Error).message).toMatch(/^Invalid Stripe API version: 2099-01-01\.zz\. FakeStripe models: 2024-09-30\.acacia, /);
    expect(fake.requests.at(-1)).toMatchObject({ path: '/v1/customers', status: 400 });
    expect(fake.state.customers.size).toBe(0);
    await expect(FakeStripe.start({ apiVersion: '2020-08-27' })).rejects.toThrow(/Invalid Stripe API version: 2020-08-27/);
  });

  it('answers an acacia client with the billing period on the subscription and invoice.subscription top-level', async () => {
    const stripe = pinned('2024-09-30.acacia');
    const sub = await subscribe(stripe);
    const item = fake.state.subscriptions.get(sub.id)!.items.data[0];
    expect(sub.current_period_start).toBe(item.current_period_start);
    expect(sub.current_period_end).toBe(item.current_period_end);
    expect(sub.items.data[0]).not.toHaveProperty('current_period_end');
    expect(sub).not.toHaveProperty('billing_mode');
    const invoice = (await stripe.invoices.retrieve(sub.latest_invoice)) as unknown as Loose;
    expect(invoice.subscription).toBe(sub.id);
    expect(invoice).not.toHaveProperty('parent');
    const { lastResponse } = (await stripe.customers.retrieve(sub.customer)) as unknown as { lastResponse: { apiVersion: string } };
    expect(lastResponse.apiVersion).toBe('2024-09-30.acacia');
  });

  it('answers basil with periods on the items but no billing_mode, and defaults its subscriptions to classic', async () => {
    const sub = await subscribe(pinned('2025-03-31.basil'));
    expect(sub.items.data[0].current_period_end).toEqual(expect.any(Number));
    expect(sub).not.toHaveProperty('current_period_end');
    expect(sub).not.toHaveProperty('billing_mode');
    expect(fake.state.subscriptions.get(sub.id)!.billing_mode.type).toBe('classic');
  });

  it('defaults to flexible billing from clover on, and honours billing_mode[type] when given', async () => {
    expect((await subscribe(pinned('2025-09-30.clover'))).billing_mode).toEqual({ type: 'flexible', flexible: {} });
    expect((await subscribe(fake.client())).billing_mode.type).toBe('flexible');
    expect((await subscribe(fake.client(), { billing_mode: { type: 'classic' } })).billing_mode).toEqual({ type: 'classic', flexible: null });
  });

  it('renders events in each endpoint’s version, and in the account’s for endpoints without one', async () => {
    const old = await new WebhookReceiver().start();
    try {
      fake.addWebhookEndpoint(hooks.url);
      fake.addWebhookEndpoint(old.url, undefined, { apiVersion: '2024-09-30.acacia' });
      const sub = await subscribe(fake.client());
      await fake.waitForDeliveries();
      const created = (received: WebhookReceiver) =>
        received.received.map((h) => JSON.parse(h.body) as Loose).find((e) => e.type === 'customer.subscription.created')!;
      expect(created(hooks)).toMatchObject({ api_version: Stripe.API_VERSION, data: { object: { id: sub.id, billing_mode: { type: 'flexible' } } } });
      expect(created(hooks).data.object).not.toHaveProperty('current_period_end');
      const legacy = created(old);
      expect(legacy.api_version).toBe('2024-09-30.acacia');
      expect(legacy.data.object.current_period_end).toBe(sub.items.data[0].current_period_end);
      expect(legacy.data.object).not.toHaveProperty('billing_mode');
    } finally {
      await old.stop();
    }
  });

  it('an account pinned to an older version stamps its events with it, in the API and on delivery', async () => {
    await fake.stop();
    fake = await FakeStripe.start({ seed: 12, apiVersion: '2025-03-31.basil' });
    priceId = fake.createPrice({ unitAmount: 1500, interval: 'month' }).id;
    fake.addWebhookEndpoint(hooks.url);
    const customer = await fake.client().customers.create({});
    await fake.waitForDeliveries();
    expect((JSON.parse(hooks.received[0].body) as Loose).api_version).toBe('2025-03-31.basil');
    expect(fake.events[0].api_version).toBe('2025-03-31.basil');
    const listed = await fake.client().events.list({ type: 'customer.created' });
    expect(listed.data.map((e) => [e.api_version, (e.data.object as Loose).id])).toEqual([['2025-03-31.basil', customer.id]]);
  });
});
