import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger, Type } from '@nestjs/common';
import { EXCEPTION_FILTERS_METADATA } from '@nestjs/common/constants';
import { HttpAdapterHost } from '@nestjs/core';
import { PaymentsException } from './payments.exception';

/** The body of every error of the module's routes. */
export interface PaymentsErrorBody {
  statusCode: number;
  code: string;
  message: string;
  [detail: string]: unknown;
}

/** The code of an error that is not a PaymentsException (an app guard, a global pipe, Nest itself), by status. */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
};

/**
 * Scoped to the module's controllers, so their errors keep `{ statusCode, code, message }` whatever
 * the app configures globally (a ValidationPipe, its own filter). Answers through Nest's
 * HttpAdapterHost, so it works on every HTTP adapter.
 */
@Catch()
export class PaymentsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Payments');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const body = this.toBody(error);
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), body, body.statusCode);
  }

  private toBody(error: unknown): PaymentsErrorBody {
    if (error instanceof PaymentsException) return error.getResponse() as PaymentsErrorBody;
    if (error instanceof HttpException && error.getStatus() < 500) return fromHttpException(error);
    // Only the type is logged: a message may carry a query, a key or a Stripe internal.
    this.logger.error(`A payments route failed: ${(error as Error)?.name ?? 'Error'}`, (error as Error)?.stack?.split('\n').slice(1).join('\n'));
    const status = error instanceof HttpException ? error.getStatus() : 500;
    return { statusCode: status, code: 'internal_error', message: 'Something went wrong; try again later.' };
  }
}

function fromHttpException(error: HttpException): PaymentsErrorBody {
  const status = error.getStatus();
  const response = error.getResponse();
  const raw = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
  const messages = (Array.isArray(raw) ? raw : [raw]).filter((m): m is string => typeof m === 'string' && m !== '');
  if (status === 400 && error.cause instanceof SyntaxError) {
    return { statusCode: 400, code: 'invalid_json', message: INVALID_JSON_MESSAGE };
  }
  if (status === 400) {
    // Nest's ValidationPipe lists one sentence per invalid field, e.g. from an app's global pipe.
    const detail = messages.length > 0 ? `: ${messages.join('; ')}` : '';
    return { statusCode: 400, code: 'invalid_request', message: `The request has invalid or unknown fields${detail}.` };
  }
  return { statusCode: status, code: CODE_BY_STATUS[status] ?? 'invalid_request', message: messages[0] ?? 'The request was refused.' };
}

/** The message of a body that is not valid JSON. */
export const INVALID_JSON_MESSAGE = 'The request body is not valid JSON.';

/** Puts the module's exception filter on `controller` unless it has filters of its own (the webhook's). */
export function withPaymentsErrors<T>(controller: Type<T>): Type<T> {
  const own: unknown[] = Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, controller) ?? [];
  if (own.length === 0) Reflect.defineMetadata(EXCEPTION_FILTERS_METADATA, [PaymentsExceptionFilter], controller);
  return controller;
}
