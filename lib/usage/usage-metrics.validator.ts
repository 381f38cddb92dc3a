import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { findRouteMetadata } from '../common/route-metadata';
import { TRACK_USAGE_KEY } from '../payments.constants';
import { PaymentsConfigError } from '../payments-options.validator';
import { PlanCatalog } from '../plans/plan-catalog';
import { PAYMENTS_DISCOVERY } from '../webhooks/handlers/webhook-handlers.service';
import { TrackUsageMetadata } from './track-usage.decorator';

/**
 * Refuses to start when a `@TrackUsage` route names a metric no plan has: found at boot with one
 * sentence, rather than as an error on the route's first request.
 */
@Injectable()
export class UsageMetricsValidator implements OnModuleInit {
  constructor(
    @Inject(PAYMENTS_DISCOVERY) private readonly discovery: DiscoveryService,
    private readonly catalog: PlanCatalog,
  ) {}

  onModuleInit(): void {
    for (const { value, where } of findRouteMetadata<TrackUsageMetadata>(this.discovery, TRACK_USAGE_KEY)) this.check(value.metric, where);
  }

  private check(metric: string, where: string): void {
    if (this.catalog.knowsLimit(metric)) return;
    const known = [...new Set(this.catalog.list().flatMap((plan) => Object.keys(plan.limits)))];
    throw new PaymentsConfigError(
      `nestjs-headless-payments: @TrackUsage('${metric}') on ${where} names a metric no plan has; add '${metric}' to the limits of your plans (known: ${known.join(', ') || 'none'}).`,
    );
  }
}
