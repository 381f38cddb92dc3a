import type Stripe from 'stripe';
import { WebhookOperations } from '../../lib';
import { parseCliArgs, runCliCommand } from '../../lib/cli/cli-commands';
import { FakeStripe } from '../../lib/testing';
import { createTestDatabase, TestDatabase } from '../support/test-databases';
import { startTestApp, TestApp } from '../support/test-app';
import { reload, subscribe, userWithCustomer } from './support/fake-flows';
import { postWebhook } from './support/webhook-helpers';
import { RecordingHandlers } from './support/recording-handlers';

describe('CLI commands', () => {
  it('parses commands, targets, flags and the module from argv or NHP_APP_MODULE', () => {
    const none = { check: false, apply: false, since: null, by: null };
    expect(parseCliArgs(['events:replay', 'evt_1', '--module', './dist/app.module.js#AppModule'])).toEqual({ command: 'events:replay', target: 'evt_1', all: false, module: './dist/app.module.js#AppModule', ...none });
    expect(parseCliArgs(['sync', '--all'], { NHP_APP_MODULE: './m.js' })).toEqual({ command: 'sync', target: null, all: true, module: './m.js', ...none });
    expect(parseCliArgs(['sync', '--check'])).toMatchObject({ command: 'sync', check: true });
    expect(parseCliArgs(['events:catch-up', '--since', '3d'])).toMatchObject({ command: 'events:catch-up', since: '3d', target: null });
    expect(parseCliArgs(['customers:link', '--by=email', '--apply'])).toMatchObject({ command: 'customers:link', by: 'email', apply: true });
    expect(parseCliArgs(['events:replay', '--all-failed', '--module=x.js'])).toMatchObject({ all: true, module: 'x.js' });
  });

  describe('against a running app', () => {
    let db: TestDatabase;
    let fake: FakeStripe;
    let t: TestApp;
    let stripe: Stripe;

    beforeAll(async () => {
      db = await createTestDatabase('sqlite');
      fake = await FakeStripe.start({ seed: 3 });
      // Inline: the failed event is made by a throwing handler's 500 (the route's own answer).
      t = await startTestApp({ db, fake, providers: [RecordingHandlers], payments: { webhook: { processing: 'inline' } } });
      stripe = fake.client();
      fake.pauseDeliveries();
    });
    afterAll(async () => {
      await t?.close();
      await fake?.stop();
      await db?.drop();
    });

    it('lists a failed event, replays it, then resyncs', async () => {
      const ops = t.app.get(WebhookOperations);
      const user = await userWithCustomer(t, stripe);
      const before = fake.events.length;
      await subscribe(fake, stripe, user);
      const event = fake.events.slice(before).find((e) => e.type === 'invoice.paid')!;
      t.app.get(RecordingHandlers).failInvoicePaid = 1;
      expect((await postWebhook(t.url, JSON.stringify(event), { secret: fake.webhookSecret })).status).toBe(500);

      const listed = await runCliCommand(ops, parseCliArgs(['events:failed']));
      expect(listed.code).toBe(0);
      expect(listed.output).toEqual([expect.objectContaining({ id: event.id, status: 'failed', attempts: 1 })]);
      const replayed = await runCliCommand(ops, parseCliArgs(['events:replay', event.id]));
      expect(replayed).toEqual({ code: 0, output: [{ id: event.id, outcome: 'processed' }] });
      expect((await reload(t, user.id)).plan).toBe('pro');
      expect(await runCliCommand(ops, parseCliArgs(['sync', String(user.id)]))).toEqual({ code: 0, output: { synced: 1, failed: [] } });
      expect((await runCliCommand(ops, parseCliArgs(['events:replay', 'evt_does_not_exist']))).code).toBe(1);
      expect((await runCliCommand(ops, parseCliArgs(['bogus']))).code).toBe(2);
    });
  });
});
