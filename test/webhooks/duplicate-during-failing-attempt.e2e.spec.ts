import type Stripe from 'stripe';
import { WebhookEventEntity } from '../../lib';
import type { FakeStripe } from '../../lib/testing';
import type { TestApp } from '../support/test-app';
import { describeEachDb } from '../support/test-databases';
import { fakeAppPerSuite, subscribe, userWithCustomer } from './support/fake-flows';
import { RecordingHandlers } from './support/recording-handlers';
import { postWebhook } from './support/webhook-helpers';

// A duplicate delivery (or any reader: a catch-up, a drain's count) while the first attempt is
// inside its transaction must not take the event for done (a duplicate's 2xx stops Stripe's
// retries) on the strength of a completion that then rolls back. On SQLite the module's one
// connection shows uncommitted rows to every reader, so there the row says `processed` only at the
// very end of the attempt.
describeEachDb(['sqlite', 'postgres', 'mariadb'])('a duplicate delivery during an attempt that fails, on %s', (kind) => {
  const app = fakeAppPerSuite(kind, 41, { providers: [RecordingHandlers], payments: { webhook: { processing: 'inline' } } });
  let t: TestApp;
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeAll(() => {
    ({ t, fake, stripe } = app());
    fake.pauseDeliveries();
  });

  it('no reader takes it for done before the commit; the duplicate waits, then processes it once the attempt rolled back', async () => {
    const user = await userWithCustomer(t, stripe);
    const before = fake.events.length;
    await subscribe(fake, stripe, user);
    const event = fake.events.slice(before).find((e) => e.type === 'invoice.paid')!;
    const handlers = t.app.get(RecordingHandlers);
    const body = JSON.stringify(event);
    let duplicate: Promise<{ status: number; json: unknown }> | undefined;
    let seenDuring: string | undefined;
    handlers.failInvoicePaid = 1;
    // Inside the first attempt's transaction: the duplicate arrives, the app reads the inbox, and
    // the attempt goes on for a while (a handler's own I/O) before it throws.
    handlers.duringInvoicePaid = async () => {
      duplicate = postWebhook(t.url, body, { secret: fake.webhookSecret });
      seenDuring = (await t.dataSource.getRepository(WebhookEventEntity).findOneByOrFail({ id: event.id })).status;
      await new Promise((resolve) => setTimeout(resolve, 150));
    };

    const first = await postWebhook(t.url, body, { secret: fake.webhookSecret });
    expect(first.status).toBe(500);
    // No reader sees the attempt's completion before it commits (on SQLite the read shares the
    // attempt's connection: it said `processed` when the row was completed first).
    expect(seenDuring).toBe('processing');
    // Told `duplicate` from an uncommitted completion, Stripe would stop retrying an event that failed.
    expect(await duplicate).toEqual({ status: 200, json: { received: true, outcome: 'processed' } });
    const row = await t.dataSource.getRepository(WebhookEventEntity).findOneByOrFail({ id: event.id });
    expect(row.status).toBe('processed');
    expect(handlers.stripeEvents.filter((e) => e.id === event.id)).toHaveLength(1);
  });
});
