import { ArgumentsHost, Body, Catch, Controller, ExceptionFilter, Post, ValidationPipe } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { testHttpAdapter } from '../support/http-adapter';
import { LogCapture } from '../support/log-capture';

const onFastify = testHttpAdapter() === 'fastify';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';

/** An app-wide filter with its own shape: it must keep answering the app's routes, and no payments route. */
@Catch()
class AppShapeFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(_error: unknown, host: ArgumentsHost) {
    // Through the adapter, as Nest's docs write a filter that serves Express and Fastify alike.
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), { app: 'own shape' }, 418);
  }
}

@Controller('echo')
class EchoController {
  @Post()
  echo(@Body() body: unknown) {
    return body;
  }
}

describeEachDb(['sqlite', 'postgres'])('error shape of the module routes under app-wide pipes and filters on %s', (kind) => {
  let db: TestDatabase;
  let t: TestApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await startTestApp({
      db,
      controllers: [EchoController],
      logger: logs,
      configure: (app) => {
        app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
        app.useGlobalFilters(new AppShapeFilter(app.get(HttpAdapterHost)));
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${t.url}/api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: res.status, body: await res.json() };
  };

  it('an unknown field refused by the global ValidationPipe answers { statusCode, code, message }', async () => {
    const user = await t.createUser();
    expect(await post('payments/checkout', JSON.stringify({ plan: 'pro', trialDays: 30 }), t.auth(user.id))).toEqual({
      status: 400,
      body: { statusCode: 400, code: 'invalid_request', message: 'The request has invalid or unknown fields: property trialDays should not exist.' },
    });
  });

  it('a malformed JSON body on a module route answers 400 invalid_json (on Fastify the app\'s filter answers it)', async () => {
    const user = await t.createUser();
    // Fastify parses before any route code and hands its refusal to the app's global filters.
    const expected = onFastify
      ? { status: 418, body: { app: 'own shape' } }
      : { status: 400, body: { statusCode: 400, code: 'invalid_json', message: 'The request body is not valid JSON.' } };
    expect(await post('payments/checkout', '{"plan": "pro",', t.auth(user.id))).toEqual(expected);
    // Before authentication too: the body parser runs first.
    expect(await post('payments/cancel', '{nope')).toEqual(expected);
  });

  it("passport's 401 and the app's routes keep their own answers", async () => {
    expect(await post('payments/checkout', JSON.stringify({ plan: 'pro' }))).toEqual({
      status: 401,
      body: { statusCode: 401, code: 'unauthenticated', message: 'Unauthorized' },
    });
    // Outside the module's routes the app's filter still decides, malformed JSON included.
    expect(await post('echo', '{nope')).toEqual({ status: 418, body: { app: 'own shape' } });
    expect(await post('echo', '{"a":1}')).toEqual({ status: 201, body: { a: 1 } });
  });

  it('the start-up line names the routes with the global prefix', () => {
    expect(logs.messages('log')).toContain('Billing ready: 3 plans, routes under /api/payments');
  });
});
