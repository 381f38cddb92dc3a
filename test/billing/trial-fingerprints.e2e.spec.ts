import { TrialFingerprintEntity } from '../../lib/persistence/entities/trial-fingerprint.entity';
import { emailFingerprint } from '../../lib/billing/trial-fingerprints';
import { FakeStripe } from '../../lib/testing';
import { PaymentsModuleOptions } from '../../lib/payments.options';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { call, jwtGuard, stripeCallsDuring } from './billing-kit';

// Issue 15: trial abuse beyond one per account (card fingerprint, normalised e-mail).
describe.each(testDatabases(['sqlite', 'postgres']))('trials once per card and e-mail on %s', (kind) => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let app: TestApp;

  async function boot(trial: PaymentsModuleOptions['trial']): Promise<void> {
    db = await createTestDatabase(kind);
    fake = await FakeStripe.start({ seed: 151 });
    app = await startTestApp({ db, fake, payments: { authGuard: jwtGuard, trial } });
  }
  afterEach(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  /** Checkout for Pro (a 14-day trial), paid with `card`; the status call syncs it as the success page would. */
  async function subscribe(email: string, cardFingerprint?: string) {
    const user = await app.createUser(email);
    const checkout = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    expect(checkout.status).toBe(200);
    const { subscriptionId } = await fake.completeCheckout(checkout.body.sessionId, { cardFingerprint });
    const status = await call(app, 'GET', `checkout/status?session_id=${checkout.body.sessionId}`, { user: user.id });
    expect(status.status).toBe(200);
    return { user, sub: fake.state.subscriptions.get(subscriptionId!)!, status: status.body.subscription };
  }

  const rows = () => app.dataSource.getRepository(TrialFingerprintEntity).find({ order: { kind: 'ASC' } });

  it('off by default: the same card and the same mailbox get a trial on every account, and nothing is recorded', async () => {
    await boot(undefined);
    const first = await subscribe('jane.doe@gmail.com', 'fp_shared_card');
    const second = await subscribe('JaneDoe+again@gmail.com', 'fp_shared_card');
    expect([first.sub.status, second.sub.status]).toEqual(['trialing', 'trialing']);
    expect(await rows()).toEqual([]);
  });

  it('oncePerEmail: a gmail address with other dots, case and a +tag opens checkout without a trial; the record holds no address', async () => {
    await boot({ oncePerEmail: true });
    const first = await subscribe('Jane.Doe+trial@gmail.com');
    expect(first.status).toMatchObject({ plan: 'pro', status: 'trialing', onTrial: true });
    expect(await rows()).toEqual([
      expect.objectContaining({ kind: 'email', value: emailFingerprint('janedoe@gmail.com'), billableId: String(first.user.id), stripeSubscriptionId: first.sub.id }),
    ]);
    expect(JSON.stringify(await rows())).not.toContain('jane');

    const again = await subscribe('janedoe+second@googlemail.com');
    expect(again.sub.status).toBe('active');
    expect(again.sub.trial_start).toBeNull();
    expect(again.status).toMatchObject({ plan: 'pro', status: 'active', onTrial: false });
    // Another person at another provider keeps the dots: a trial, recorded as a second e-mail.
    const other = await subscribe('jane.doe+x@example.com');
    expect(other.sub.status).toBe('trialing');
    expect((await rows()).map((r) => r.billableId).sort()).toEqual([String(first.user.id), String(other.user.id)].sort());
  });

  it('oncePerCard: a card that had a trial elsewhere ends the new trial at Stripe once, from the webhook, and charges the first period', async () => {
    await boot({ oncePerCard: true });
    const first = await subscribe('first@example.com', 'fp_card_A');
    expect(first.sub.status).toBe('trialing');
    expect(await rows()).toEqual([expect.objectContaining({ kind: 'card', value: 'fp_card_A', billableId: String(first.user.id) })]);

    // A new account: no saved card, so checkout offers the trial; the card typed on Stripe's page
    // is known only when the trial starts, and the webhook sync ends it.
    const user = await app.createUser('second@example.com');
    const checkout = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    const { subscriptionId } = await fake.completeCheckout(checkout.body.sessionId, { cardFingerprint: 'fp_card_A' });
    await fake.waitForDeliveries();
    const sub = fake.state.subscriptions.get(subscriptionId!)!;
    expect(sub).toMatchObject({ status: 'active', trial_end: fake.now() });
    const ends = fake.requests.filter((r) => r.method === 'POST' && r.path === `/v1/subscriptions/${subscriptionId}` && r.status === 200);
    expect(new Set(ends.map((r) => r.idempotencyKey)).size).toBe(1);
    const paid = [...fake.state.invoices.values()].filter((i) => i.customer === sub.customer && i.status === 'paid' && i.amount_paid > 0);
    expect(paid.map((i) => i.amount_paid)).toEqual([1500]);
    const state = await call(app, 'GET', 'subscription', { user: user.id });
    expect(state.body).toMatchObject({ plan: 'pro', status: 'active', onTrial: false });
    // The card stays the first account's; a third account with another card still gets its trial.
    expect((await rows()).map((r) => [r.kind, r.value, r.billableId])).toEqual([['card', 'fp_card_A', String(first.user.id)]]);
    const third = await subscribe('third@example.com', 'fp_card_B');
    expect(third.sub.status).toBe('trialing');
  });

  it("onRepeat 'refuse': 409 trial_already_used before any session, and a plan without a trial is not affected", async () => {
    await boot({ oncePerEmail: true, oncePerCard: true, onRepeat: 'refuse' });
    await subscribe('sam@outlook.com');
    const user = await app.createUser('SAM+work@outlook.com');
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    const calls = await stripeCallsDuring(fake, async () => {
      refused = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'pro' } });
    });
    expect(refused).toMatchObject({ status: 409, body: { code: 'trial_already_used' } });
    expect(calls.filter((c) => c.path.startsWith('/v1/checkout/sessions') && c.method === 'POST')).toEqual([]);
    const enterprise = await call(app, 'POST', 'checkout', { user: user.id, body: { plan: 'enterprise' } });
    expect(enterprise.status).toBe(200);
  });
});
