import { INestApplication } from '@nestjs/common';
import { TestingModule } from '@nestjs/testing';

/** The HTTP platform the e2e suites run on: `TEST_HTTP_ADAPTER=fastify`, else Express (the default). */
export type TestHttpAdapter = 'express' | 'fastify';

/** The adapter this run uses. */
export function testHttpAdapter(): TestHttpAdapter {
  return process.env.TEST_HTTP_ADAPTER === 'fastify' ? 'fastify' : 'express';
}

/** Creates the app on the run's adapter (Fastify loaded only when asked for, as a user's app would). */
export function createTestApplication(
  moduleRef: TestingModule,
  options: { rawBody?: boolean; logger?: unknown } = {},
  adapter: TestHttpAdapter = testHttpAdapter(),
  fastifyOptions: Record<string, unknown> = {},
): INestApplication {
  if (adapter === 'fastify') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { FastifyAdapter } = require('@nestjs/platform-fastify') as typeof import('@nestjs/platform-fastify');
    return moduleRef.createNestApplication(new FastifyAdapter(fastifyOptions), options as never);
  }
  return moduleRef.createNestApplication(options as never);
}

/** Raises the app's JSON body limit the way each adapter spells it. */
export function setJsonBodyLimit(app: INestApplication, bytes: number): void {
  const target = app as unknown as { useBodyParser(...args: unknown[]): void };
  if (app.getHttpAdapter().getType() === 'fastify') target.useBodyParser('application/json', { bodyLimit: bytes });
  else target.useBodyParser('json', { limit: bytes });
}
