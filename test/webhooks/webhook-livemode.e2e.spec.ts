import type Stripe from 'stripe';
import { PaymentsModuleOptions, WebhookEventEntity } from '../../lib';
import { FakeStripe } from '../../lib/testing';
import { keyMode } from '../../lib/webhooks/http/event-mode.policy';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { reload, subscribe, userWithCustomer } from './support/fake-flows';
import { LogCapture } from '../support/log-capture';
import { postWebhook } from './support/webhook-helpers';

// Issue 10, item 5: an event of the other Stripe mode is acknowledged and ignored, so test
// payments never reach a live ledger (and live ones never a test database).
describeEachDb(['sqlite', 'postgres'])('test and live mode on %s', (kind) => {
  let fake: FakeStripe;
  let stripe: Stripe;
  const dbs: TestDatabase[] = [];
  const apps: TestApp[] = [];

  beforeAll(async () => {
    fake = await FakeStripe.start({ seed: 51 });
    stripe = fake.client();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await fake?.stop();
    for (const db of dbs) await db.drop();
  });

  async function app(payments: Partial<PaymentsModuleOptions> = {}): Promise<{ t: TestApp; logger: LogCapture }> {
    const db = await createTestDatabase(kind);
    dbs.push(db);
    const logger = new LogCapture();
    // Inline: these tests assert the route's own answers ('processed' or 'ignored') per mode.
    const inline = { ...payments, webhook: { processing: 'inline' as const, ...payments.webhook } };
    const t = await startTestApp({ db, fake, logger, payments: inline, registerWithFake: apps.length === 0 });
    apps.push(t);
    fake.pauseDeliveries();
    return { t, logger };
  }

  /** A subscription of one of the app's billables whose events were not delivered: its `created` event in the given mode. */
  async function subscriptionEvent(t: TestApp, livemode: boolean): Promise<{ userId: number; body: string; event: Stripe.Event }> {
    const user = await userWithCustomer(t, stripe);
    const before = fake.events.length;
    await subscribe(fake, stripe, user, 'price_enterprise_month');
    const event = { ...fake.events.slice(before).find((e) => e.type === 'customer.subscription.created')!, livemode };
    return { userId: user.id, body: JSON.stringify(event), event };
  }
  const send = (t: TestApp, body: string) => postWebhook(t.url, body, { secret: fake.webhookSecret });

  it('a test-mode key (the FakeStripe\'s sk_test_): a live event → 200 ignored with one log line, nothing stored; the test event is processed', async () => {
    const { t, logger } = await app();
    const live = await subscriptionEvent(t, true);
    expect(await send(t, live.body)).toEqual({ status: 200, json: { received: true, outcome: 'ignored' } });
    expect(await reload(t, live.userId)).toMatchObject({ plan: null, stripeSubscriptionId: null });
    expect(await t.dataSource.getRepository(WebhookEventEntity).findOneBy({ id: live.event.id })).toBeNull();
    expect(logger.lines.filter((l) => l.text.includes(live.event.id))).toEqual([{ level: 'log', text: expect.stringContaining('live-mode event') }]);

    const test = await subscriptionEvent(t, false);
    expect(await send(t, test.body)).toEqual({ status: 200, json: { received: true, outcome: 'processed' } });
    expect(await reload(t, test.userId)).toMatchObject({ plan: 'enterprise' });
  });

  it('a live key (sk_live_ beside an injected client): a test event is ignored, a live one processed', async () => {
    const { t } = await app({ secretKey: 'sk_live_not_a_real_key', stripeClient: fake.client() });
    const test = await subscriptionEvent(t, false);
    expect(await send(t, test.body)).toEqual({ status: 200, json: { received: true, outcome: 'ignored' } });
    expect(await reload(t, test.userId)).toMatchObject({ plan: null });
    const live = await subscriptionEvent(t, true);
    expect(await send(t, live.body)).toEqual({ status: 200, json: { received: true, outcome: 'processed' } });
    expect(await reload(t, live.userId)).toMatchObject({ plan: 'enterprise' });
  });

  it('webhook.acceptBothModes: true processes both modes', async () => {
    const { t } = await app({ webhook: { acceptBothModes: true } });
    for (const livemode of [true, false]) {
      const e = await subscriptionEvent(t, livemode);
      expect(await send(t, e.body)).toEqual({ status: 200, json: { received: true, outcome: 'processed' } });
      expect(await reload(t, e.userId)).toMatchObject({ plan: 'enterprise' });
    }
  });

  it('an injected client without secretKey: the mode cannot be told, both are accepted, and start-up says so once', async () => {
    const { t, logger } = await app({ secretKey: undefined, stripeClient: fake.client() });
    expect(logger.matching('warn', ['both test and live mode are accepted'])).toHaveLength(1);
    const live = await subscriptionEvent(t, true);
    expect((await send(t, live.body)).json).toEqual({ received: true, outcome: 'processed' });
  });
});

describe('keyMode', () => {
  it.each([
    ['sk_live_abc', 'live'],
    ['rk_live_abc', 'live'],
    ['sk_test_abc', 'test'],
    ['rk_test_abc', 'test'],
    ['sk_abc', null],
    [undefined, null],
  ])('%s → %s', (key, mode) => {
    expect(keyMode(key)).toBe(mode);
  });
});
