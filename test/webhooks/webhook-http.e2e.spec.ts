import { ArgumentsHost, Catch, Controller, ExceptionFilter, Get } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { WebhookEventEntity } from '../../lib';
import { signStripePayload } from '../../lib/testing';
import { createTestDatabase, TestDatabase, testDatabases } from '../support/test-databases';
import { testHttpAdapter } from '../support/http-adapter';
import { startTestApp, TestApp } from '../support/test-app';
import { plainEvent, postWebhook, strictApp } from './support/webhook-helpers';

const SECRET = 'whsec_test_secret';
const NEXT_SECRET = 'whsec_rotated_secret';

@Controller('guarded')
class GuardedController {
  @Get()
  ping() {
    return { ok: true };
  }
}

/** An app-wide filter that would turn every error into a 418: it must not reach the webhook. */
@Catch()
class TeapotFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(_error: unknown, host: ArgumentsHost) {
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), { teapot: true }, 418);
  }
}

const rows = (ds: DataSource) => ds.getRepository(WebhookEventEntity).find();

describe.each(testDatabases())('webhook over HTTP on %s', (kind) => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await startTestApp({
      db,
      // Inline: these tests assert the inline route's own answers ('ignored', a redelivery's attempts).
      payments: { webhookSecret: [SECRET, NEXT_SECRET], webhook: { processing: 'inline' } },
      controllers: [GuardedController],
      configure: (app) => {
        strictApp(app);
        app.useGlobalFilters(new TeapotFilter(app.get(HttpAdapterHost)));
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('accepts a signed event through a global auth guard, ValidationPipe and filter; the guard still protects other routes', async () => {
    const event = plainEvent();
    const res = await postWebhook(t.url, JSON.stringify(event));
    expect(res).toEqual({ status: 200, json: { received: true, outcome: 'ignored' } });
    const guarded = await fetch(`${t.url}/api/guarded`);
    expect(guarded.status).toBe(418); // the app's guard refused (403), the app's filter answered
    expect((await rows(t.dataSource)).find((r) => r.id === event.id)?.status).toBe('ignored');
  });

  it('answers a redelivery of a completed event 200 without work', async () => {
    const event = plainEvent();
    const body = JSON.stringify(event);
    await postWebhook(t.url, body);
    const again = await postWebhook(t.url, body);
    expect(again).toEqual({ status: 200, json: { received: true, outcome: 'duplicate' } });
    expect((await rows(t.dataSource)).find((r) => r.id === event.id)?.attempts).toBe(1);
  });

  it('accepts the second (rotated) secret', async () => {
    const res = await postWebhook(t.url, JSON.stringify(plainEvent()), { secret: NEXT_SECRET });
    expect(res.status).toBe(200);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const variants: [string, (body: string) => { body: string; signature: string | null }][] = [
    ['missing header', (b) => ({ body: b, signature: null })],
    ['empty header', (b) => ({ body: b, signature: '' })],
    ['wrong secret', (b) => ({ body: b, signature: signStripePayload(b, 'whsec_wrong') })],
    ['flipped byte (still valid JSON)', (b) => ({ body: b.replace('balance', 'balancf'), signature: signStripePayload(b, SECRET) })],
    ['re-serialised JSON', (b) => ({ body: JSON.stringify(JSON.parse(b), null, 2), signature: signStripePayload(b, SECRET) })],
    ['expired timestamp', (b) => ({ body: b, signature: signStripePayload(b, SECRET, now() - 400) })],
    ['future timestamp', (b) => ({ body: b, signature: signStripePayload(b, SECRET, now() + 400) })],
    ['garbage header', (b) => ({ body: b, signature: 't=abc,v1=nothex' })],
  ];

  it.each(variants)('refuses %s with a generic 400 and stores nothing', async (_name, make) => {
    const event = plainEvent();
    const { body, signature } = make(JSON.stringify(event));
    const res = await postWebhook(t.url, body, { signature });
    expect(res).toEqual({ status: 400, json: { statusCode: 400, code: 'invalid_signature', message: 'Invalid webhook signature.' } });
    expect((await rows(t.dataSource)).some((r) => r.id === event.id)).toBe(false);
  });

  it('accepts several v1 signatures when one is valid', async () => {
    const body = JSON.stringify(plainEvent());
    const good = signStripePayload(body, SECRET);
    const t0 = good.split(',')[0];
    const bad = signStripePayload(body, 'whsec_other').split(',')[1];
    const res = await postWebhook(t.url, body, { signature: `${t0},${bad},${good.split(',')[1]}` });
    expect(res.status).toBe(200);
  });

  it('refuses a signed body that is not an event with 400', async () => {
    const res = await postWebhook(t.url, JSON.stringify({ hello: 'world' }));
    expect(res).toMatchObject({ status: 400, json: { code: 'invalid_request' } });
  });

  it('accepts a 600 KB event and answers 413 above the 1 MiB cap, before hashing', async () => {
    const big = plainEvent('balance.available', { padding: 'x'.repeat(600 * 1024) });
    expect((await postWebhook(t.url, JSON.stringify(big))).status).toBe(200);
    const huge = plainEvent('balance.available', { padding: 'x'.repeat(1024 * 1024 + 10) });
    const res = await postWebhook(t.url, JSON.stringify(huge), { signature: 't=1,v1=' + 'a'.repeat(64) });
    expect(res).toEqual({ status: 413, json: { statusCode: 413, code: 'payload_too_large', message: expect.any(String) } });
    expect((await rows(t.dataSource)).some((r) => r.id === huge.id)).toBe(false);
  });

  it('reads the stream itself (with the cap) when no JSON parser took the body (Express; Fastify refuses such a type itself)', async () => {
    const event = plainEvent();
    if (testHttpAdapter() === 'fastify') {
      // Fastify refuses (415) a content type no parser takes before any route runs, so the app's
      // own filter (the teapot) answers it and nothing is stored; Stripe always sends JSON.
      expect((await postWebhook(t.url, JSON.stringify(event), { contentType: 'application/octet-stream' })).status).toBe(418);
      expect((await rows(t.dataSource)).some((r) => r.id === event.id)).toBe(false);
      return;
    }
    const ok = await postWebhook(t.url, JSON.stringify(event), { contentType: 'application/octet-stream' });
    expect(ok).toEqual({ status: 200, json: { received: true, outcome: 'ignored' } });
    const huge = Buffer.alloc(1024 * 1024 + 1, 0x20);
    const res = await postWebhook(t.url, huge, { contentType: 'application/octet-stream' });
    expect(res.status).toBe(413);
  });
});

describe('webhook without the raw body', () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    // The usual mistake: the app was created without `rawBody: true`, so the parser kept only the object.
    t = await startTestApp({ db, rawBody: false, payments: { authGuard: null } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('answers 500 raw_body_missing naming the exact change for the app\'s adapter', async () => {
    const res = await postWebhook(t.url, JSON.stringify(plainEvent()));
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject({ code: 'raw_body_missing' });
    expect(res.json.message).toBe(
      testHttpAdapter() === 'fastify'
        ? 'Webhook misconfigured: create the app with NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { rawBody: true }) so the webhook can verify the exact bytes Stripe signed.'
        : 'Webhook misconfigured: create the app with NestFactory.create(AppModule, { rawBody: true }) so the webhook can verify the exact bytes Stripe signed.',
    );
  });

  it('and with the adapter\'s default body limit (Express 100 kB, Fastify 1 MiB), the app-level parser (not the webhook) refuses a larger event', async () => {
    // Documented: apps must raise the limit (Express: app.useBodyParser('json', { limit }); Fastify: new FastifyAdapter({ bodyLimit })).
    const size = testHttpAdapter() === 'fastify' ? 1024 * 1024 + 10 : 600 * 1024;
    const res = await postWebhook(t.url, JSON.stringify(plainEvent('balance.available', { padding: 'x'.repeat(size) })));
    expect(res.status).toBe(413);
  });
});
