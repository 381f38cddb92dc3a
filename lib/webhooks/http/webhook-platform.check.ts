import { Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { httpPlatform } from '../../common/http-reply';
import { PAYMENTS_OPTIONS } from '../../payments.constants';
import { ResolvedPaymentsOptions } from '../../payments.options';
import { fastifyBodyLimitFix } from './adapter-advice';

/**
 * Warns at start-up when the app's own body limit would refuse Stripe events the webhook accepts:
 * such a refusal happens before the webhook runs, so the module could not say why later. Only
 * Fastify exposes its limit (`bodyLimit`); Express's parser limit is documented instead.
 */
@Injectable()
export class WebhookPlatformCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('Payments:Webhooks');

  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (!adapter || httpPlatform(this.adapterHost) !== 'fastify') return;
    const limit = Number((adapter.getInstance() as { initialConfig?: { bodyLimit?: number } })?.initialConfig?.bodyLimit);
    const wanted = this.options.webhook.maxBodyBytes;
    if (Number.isFinite(limit) && limit < wanted) {
      this.logger.warn(
        `Fastify's bodyLimit (${limit} bytes) is below webhook.maxBodyBytes (${wanted}): larger Stripe events are refused before the webhook runs; ${fastifyBodyLimitFix(wanted)}.`,
      );
    }
  }
}
