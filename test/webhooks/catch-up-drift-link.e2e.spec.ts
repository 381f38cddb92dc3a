import type Stripe from 'stripe';
import { WebhookEventEntity, WebhookOperations } from '../../lib';
import { parseCliArgs, runCliCommand } from '../../lib/cli/cli-commands';
import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { testPrices } from '../support/test-plans';
import { TestUser } from '../support/test-user.entity';
import { reload, subscribe, userWithCustomer } from './support/fake-flows';
import { RecordingHandlers } from './support/recording-handlers';

// The app is started without a webhook endpoint at the fake: every event before `addWebhookEndpoint`
// is one Stripe never delivered (an endpoint that was down past Stripe's 3 days of retries).
describeEachDb(['sqlite', 'postgres'])('catch-up, drift check and customer linking on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let t: TestApp;
  let stripe: Stripe;
  let ops: WebhookOperations;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 31 });
    for (const price of testPrices) fake.createPrice(price);
    t = await startTestApp({ db, fake, registerWithFake: false, providers: [RecordingHandlers] });
    stripe = fake.client();
    ops = t.app.get(WebhookOperations);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await db?.drop();
  });

  const hourAgo = () => new Date((fake.now() - 3600) * 1000);

  it('reports drift without writing, catches up on every missed event once, then reports no drift', async () => {
    const missed: TestUser[] = [];
    for (let i = 0; i < 4; i++) {
      const user = await userWithCustomer(t, stripe);
      const subscriptionId = await subscribe(fake, stripe, user, i % 2 ? 'price_pro_month' : 'price_enterprise_month');
      if (i === 3) await stripe.subscriptions.cancel(subscriptionId);
      missed.push(user);
    }
    const versionsBefore = await Promise.all(missed.map(async (u) => (await reload(t, u.id)).billingVersion));

    const drift = await runCliCommand(ops, parseCliArgs(['sync', '--check']));
    expect(drift.code).toBe(1);
    const report = drift.output as Awaited<ReturnType<WebhookOperations['checkDrift']>>;
    expect(report).toMatchObject({ checked: 4, drifted: 4, failed: [] });
    expect(report.differences).toEqual(expect.arrayContaining([expect.objectContaining({ billableId: String(missed[0].id), field: 'plan', stored: null, stripe: 'enterprise' })]));
    // A check writes nothing.
    expect(await Promise.all(missed.map(async (u) => (await reload(t, u.id)).billingVersion))).toEqual(versionsBefore);

    // From here Stripe delivers again; one more user is served the normal way.
    fake.addWebhookEndpoint(`${t.url}/api/payments/webhook`);
    const live = await userWithCustomer(t, stripe);
    await subscribe(fake, stripe, live);
    await fake.waitForDeliveries();
    const delivered = await t.dataSource.getRepository(WebhookEventEntity).count();

    const first = await runCliCommand(ops, parseCliArgs(['events:catch-up', '--since', hourAgo().toISOString()]));
    expect(first.code).toBe(0);
    const caught = first.output as Awaited<ReturnType<WebhookOperations['catchUp']>>;
    expect(caught.listed).toBe(fake.events.length);
    expect(caught.alreadyDone).toBe(delivered);
    expect(caught.processed + caught.ignored).toBe(fake.events.length - delivered);
    expect(caught.processed).toBeGreaterThan(0);
    expect(caught.failed).toEqual([]);

    expect((await reload(t, missed[0].id)).plan).toBe('enterprise');
    expect((await reload(t, missed[1].id)).plan).toBe('pro');
    expect((await reload(t, missed[3].id))).toMatchObject({ plan: null, subscriptionStatus: 'canceled' });
    expect(await runCliCommand(ops, parseCliArgs(['sync', '--check']))).toEqual({ code: 0, output: { checked: 5, drifted: 0, differences: [], failed: [] } });

    // Each event ran the app's handlers once, across the deliveries and the catch-up.
    const seen = t.app.get(RecordingHandlers).stripeEvents.map((e) => e.id);
    expect(seen.length).toBe(new Set(seen).size);
    expect(await t.dataSource.getRepository(WebhookEventEntity).count()).toBe(fake.events.length);

    // Again: nothing left to do.
    const again = (await ops.catchUp(hourAgo()));
    expect(again).toMatchObject({ listed: fake.events.length, alreadyDone: fake.events.length, processed: 0, ignored: 0, inProgress: 0, failed: [] });
  });

  it('refuses a catch-up without a usable --since', async () => {
    expect(await runCliCommand(ops, parseCliArgs(['events:catch-up']))).toEqual({ code: 2, output: { error: 'events:catch-up needs --since <ISO date | 90m | 12h | 3d>' } });
    expect((await runCliCommand(ops, parseCliArgs(['events:catch-up', '--since', 'yesterday']))).output).toEqual({
      error: "--since 'yesterday' is neither an ISO date (2026-11-01T00:00:00Z) nor a duration (90m, 12h, 3d).",
    });
  });

  it('links existing Stripe customers by metadata or e-mail: a dry run first, ambiguity never guessed, then subscriptions arrive', async () => {
    const repo = t.dataSource.getRepository(TestUser);
    const byMeta = await t.createUser();
    const byMail = await t.createUser(`Adopted-${Date.now()}@Example.test`);
    const twice = await t.createUser(`twice-${Date.now()}@example.test`);
    const metaCustomer = await stripe.customers.create({ email: 'someone-else@example.test', metadata: { billable_id: String(byMeta.id) } });
    const mailCustomer = await stripe.customers.create({ email: byMail.email.toLowerCase() });
    await stripe.customers.create({ email: twice.email });
    await stripe.customers.create({ email: twice.email });
    const sub = await stripe.subscriptions.create({ customer: metaCustomer.id, items: [{ price: 'price_pro_month' }] });

    const dry = await runCliCommand(ops, parseCliArgs(['customers:link']));
    expect(dry.output).toMatchObject({ by: 'metadata', applied: false, links: [{ billableId: String(byMeta.id), customerId: metaCustomer.id }] });
    expect((await repo.findOneByOrFail({ id: byMeta.id })).stripeCustomerId).toBeNull();

    const byEmail = await ops.linkCustomers({ by: 'email' });
    expect(byEmail.links).toEqual([{ billableId: String(byMail.id), customerId: mailCustomer.id }]);
    expect(byEmail.ambiguous).toEqual([{ billableId: String(twice.id), customerIds: expect.any(Array) }]);

    await runCliCommand(ops, parseCliArgs(['customers:link', '--apply']));
    await ops.linkCustomers({ by: 'email', apply: true });
    expect(await repo.findOneByOrFail({ id: byMeta.id })).toMatchObject({ stripeCustomerId: metaCustomer.id, stripeSubscriptionId: sub.id, plan: 'pro' });
    expect((await repo.findOneByOrFail({ id: byMail.id })).stripeCustomerId).toBe(mailCustomer.id);
    expect((await repo.findOneByOrFail({ id: twice.id })).stripeCustomerId).toBeNull();
    // Linked once: a second run proposes nothing for them.
    expect((await ops.linkCustomers({ by: 'email' })).links).toEqual([]);
    expect((await runCliCommand(ops, parseCliArgs(['customers:link', '--by', 'phone']))).code).toBe(2);
  });
});
