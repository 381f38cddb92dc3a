import type Stripe from 'stripe';
import { PaymentsTransactions } from '../../lib/persistence/payments-transactions';
import { buildStripeEvent, FakeStripe } from '../../lib/testing';
import type { TestApp } from '../support/test-app';
import { describeEachDb } from '../support/test-databases';
import { fakeAppPerSuite, reload, subscribe, userWithCustomer } from './support/fake-flows';
import { StatementCounter } from './support/statement-counter';
import { postWebhook } from './support/webhook-helpers';

const EVENTS = 40;
// Measured in this test (docs/webhook-transactions.md): the claim's insert (and, without
// RETURNING, its read-back on SQLite and MariaDB), BEGIN, the inbox row's lock-and-complete (on
// SQLite a read, and the completion last), the billable row lock, COMMIT. A rise is a regression.
const MAX_STATEMENTS: Record<string, number> = { sqlite: 7, postgres: 5, mariadb: 6 };

// Issue 12: SQL statements per processed webhook event (the processing half; the acknowledgement
// is the same request in the inline mode), over distinct events that each re-fetch the subscription.
describeEachDb(['sqlite', 'postgres', 'mariadb'])('statements per webhook event on %s', (kind) => {
  // The work queue's idle polls (every second, per instance) are not statements of an event.
  // Inline: this counts the statements the inline route runs per event (queued acknowledgements: webhook-queued).
  const app = fakeAppPerSuite(kind, 1212, { payments: { queue: { workers: false }, webhook: { processing: 'inline' } } });
  let fake: FakeStripe;
  let t: TestApp;
  let stripe: Stripe;

  beforeAll(() => {
    ({ t, fake, stripe } = app());
  });

  const MAX_STATEMENTS_PER_EVENT = MAX_STATEMENTS[kind];

  it(`${EVENTS} distinct customer.subscription.updated events, one at a time: at most ${MAX_STATEMENTS_PER_EVENT} statements each`, async () => {
    const user = await userWithCustomer(t, stripe);
    const subscriptionId = await subscribe(fake, stripe, user);
    await fake.waitForDeliveries(15_000);
    expect(await reload(t, user.id)).toMatchObject({ stripeSubscriptionId: subscriptionId, subscriptionStatus: 'active' });

    const counter = new StatementCounter(t.app.get(PaymentsTransactions).dataSource);
    for (let i = 0; i < EVENTS; i++) {
      const event = buildStripeEvent('customer.subscription.updated', { id: subscriptionId, customer: user.stripeCustomerId });
      expect(await postWebhook(t.url, JSON.stringify(event), { secret: fake.webhookSecret })).toEqual({ status: 200, json: { received: true, outcome: 'processed' } });
    }
    const perEvent = counter.count / EVENTS;
    process.stdout.write(`statements per event on ${kind}: ${perEvent.toFixed(2)} (${counter.count} over ${EVENTS} events)\n`);
    expect(perEvent).toBeGreaterThan(0);
    expect(perEvent).toBeLessThanOrEqual(MAX_STATEMENTS_PER_EVENT);
  });
});
