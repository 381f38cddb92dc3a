import { ConsoleLogger } from '@nestjs/common';
import { createTestDatabase, TestDatabase } from '../support/test-databases';
import { startTestApp, TestApp } from '../support/test-app';
import { plainEvent, postWebhook } from './support/webhook-helpers';

/** Keeps what the app logs at warn and above. */
class RecordingLogger extends ConsoleLogger {
  readonly warnings: string[] = [];
  override warn(message: unknown) {
    this.warnings.push(String(message));
  }
  override error(message: unknown) {
    this.warnings.push(String(message));
  }
}

// Always on Fastify, whatever TEST_HTTP_ADAPTER says: the plain `npm test` run covers it too.
describe('webhook on Fastify', () => {
  let db: TestDatabase;
  let t: TestApp;
  const logger = new RecordingLogger();

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    // Inline: the test asserts the inline route's own answer ('ignored') through Fastify's raw body.
    t = await startTestApp({ db, adapter: 'fastify', fastifyOptions: { bodyLimit: 100_000 }, logger, payments: { authGuard: null, webhook: { processing: 'inline' } } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('refuses a bad signature with 400 invalid_signature (it was a 500: the filter wrote to an Express response)', async () => {
    const res = await postWebhook(t.url, JSON.stringify(plainEvent()), { signature: 't=1,v1=' + 'a'.repeat(64) });
    expect(res).toEqual({ status: 400, json: { statusCode: 400, code: 'invalid_signature', message: 'Invalid webhook signature.' } });
  });

  it('accepts a signed event through Fastify raw body', async () => {
    expect(await postWebhook(t.url, JSON.stringify(plainEvent()))).toEqual({ status: 200, json: { received: true, outcome: 'ignored' } });
  });

  it('warned at start-up that bodyLimit is below webhook.maxBodyBytes, naming the Fastify call', () => {
    expect(logger.warnings).toContain(
      "Fastify's bodyLimit (100000 bytes) is below webhook.maxBodyBytes (1048576): larger Stripe events are refused before the webhook runs; create the adapter with new FastifyAdapter({ bodyLimit: 1048576 }).",
    );
  });
});
