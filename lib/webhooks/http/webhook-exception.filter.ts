import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { replyJson } from '../../common/http-reply';
import { PaymentsException } from '../../common/payments.exception';

/**
 * Scoped to the webhook controller so the app's global filters cannot change what Stripe sees:
 * our 400/409/413 as they are, any other error a generic 500 (Stripe retries non-2xx), with no
 * internals in the body. Replies through the HTTP adapter, so Express and Fastify answer alike.
 */
@Catch()
export class WebhookExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Payments:Webhooks');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse();
    if (error instanceof PaymentsException) {
      replyJson(this.adapterHost, response, error.getStatus(), error.getResponse() as object);
      return;
    }
    if (error instanceof HttpException && error.getStatus() < 500) {
      // E.g. an app guard that refused the route: keep its status, drop its body.
      replyJson(this.adapterHost, response, error.getStatus(), { statusCode: error.getStatus(), code: 'invalid_request', message: 'Webhook refused.' });
      return;
    }
    this.logger.error(`Webhook failed before processing: ${(error as Error)?.name ?? 'Error'}`);
    replyJson(this.adapterHost, response, 500, { statusCode: 500, code: 'webhook_failed', message: 'Webhook processing failed; it will be retried.' });
  }
}
