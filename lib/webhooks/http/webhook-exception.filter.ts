import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { PaymentsException } from '../../common/payments.exception';

/**
 * Scoped to the webhook controller so the app's global filters cannot change what Stripe sees:
 * our 400/409/413 as they are, any other error a generic 500 (Stripe retries non-2xx), with no
 * internals in the body.
 */
@Catch()
export class WebhookExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Payments:Webhooks');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse();
    if (error instanceof PaymentsException) {
      response.status(error.getStatus()).json(error.getResponse());
      return;
    }
    if (error instanceof HttpException && error.getStatus() < 500) {
      // E.g. an app guard that refused the route: keep its status, drop its body.
      response.status(error.getStatus()).json({ statusCode: error.getStatus(), code: 'invalid_request', message: 'Webhook refused.' });
      return;
    }
    this.logger.error(`Webhook failed before processing: ${(error as Error)?.name ?? 'Error'}`);
    response.status(500).json({ statusCode: 500, code: 'webhook_failed', message: 'Webhook processing failed; it will be retried.' });
  }
}
