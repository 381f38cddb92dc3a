import { Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { INVALID_JSON_MESSAGE, PaymentsErrorBody } from './payments-exception.filter';
import { PaymentsRoutes } from './payments-routes';

/** body-parser's error types that the module answers itself on its routes. */
const BODY_ERRORS: Record<string, Omit<PaymentsErrorBody, 'statusCode'> & { statusCode: number }> = {
  'entity.parse.failed': { statusCode: 400, code: 'invalid_json', message: INVALID_JSON_MESSAGE },
  'entity.too.large': { statusCode: 413, code: 'payload_too_large', message: 'The request body is too large.' },
};

/**
 * A body the app's body parser refuses never reaches a controller, so the module's exception
 * filter cannot see it: it goes to the app's global filters. This error handler, added before
 * Nest's own, answers such errors on the module's routes with the module's error shape (Express;
 * other adapters keep their own handling) and passes every other error on untouched.
 */
@Injectable()
export class BodyParseErrors implements OnModuleInit {
  constructor(
    private readonly routes: PaymentsRoutes,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost?.httpAdapter;
    // Runs before Nest mounts its error handler (registerRouterHooks), so it is asked first.
    if (!adapter || adapter.getType() !== 'express') return;
    adapter.use((error: { type?: unknown } | null, request: unknown, response: unknown, next: (error?: unknown) => void) => {
      const body = typeof error?.type === 'string' ? BODY_ERRORS[error.type] : undefined;
      if (!body || !this.isOurs(String(adapter.getRequestUrl(request) ?? ''))) return next(error);
      adapter.reply(response, body, body.statusCode);
    });
  }

  private isOurs(url: string): boolean {
    const base = this.routes.path();
    const path = url.split('?')[0];
    return path === base || path.startsWith(`${base}/`);
  }
}
