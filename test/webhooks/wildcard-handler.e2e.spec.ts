import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { OnStripeEvent, WebhookEventEntity } from '../../lib';
import { LogCapture } from '../support/log-capture';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { plainEvent, postWebhook } from './support/webhook-helpers';

/** An app that only audits: one `'*'` handler, no handler of a specific type. */
@Injectable()
class AuditTrail {
  readonly seen: string[] = [];

  @OnStripeEvent('*')
  record(event: Stripe.Event): void {
    this.seen.push(event.id);
  }
}

describeEachDb(['sqlite', 'postgres'])("an @OnStripeEvent('*')-only event on %s", (kind) => {
  let db: TestDatabase;
  let t: TestApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    // Inline: the test asserts the route's own 'processed' answer for an event only '*' handles.
    t = await startTestApp({ db, providers: [AuditTrail], logger: logs, payments: { webhook: { processing: 'inline' } } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('is recorded as processed (the handler ran), with no "Ignored" line, and runs once', async () => {
    const event = plainEvent('balance.available');
    const body = JSON.stringify(event);
    expect(await postWebhook(t.url, body)).toEqual({ status: 200, json: { received: true, outcome: 'processed' } });
    expect(await postWebhook(t.url, body)).toEqual({ status: 200, json: { received: true, outcome: 'duplicate' } });
    const row = await t.dataSource.getRepository(WebhookEventEntity).findOneByOrFail({ id: event.id });
    expect([row.status, row.attempts]).toEqual(['processed', 1]);
    expect(t.app.get(AuditTrail).seen).toEqual([event.id]);
    expect(logs.lines.filter((line) => line.text.includes(event.id) && line.text.startsWith('Ignored'))).toEqual([]);
  });
});
