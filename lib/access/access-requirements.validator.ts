import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { findRouteMetadata } from '../common/route-metadata';
import { REQUIRES_FEATURE_KEY, REQUIRES_PLAN_KEY } from '../payments.constants';
import { PaymentsConfigError } from '../payments-options.validator';
import { PlanCatalog } from '../plans/plan-catalog';
import { PAYMENTS_DISCOVERY } from '../webhooks/handlers/webhook-handlers.service';

/**
 * Refuses to start when `@RequiresPlan` names a plan the catalogue lacks or `@RequiresFeature` a
 * feature no plan grants: such a route would refuse everyone with 403, silently, forever.
 */
@Injectable()
export class AccessRequirementsValidator implements OnModuleInit {
  constructor(
    @Inject(PAYMENTS_DISCOVERY) private readonly discovery: DiscoveryService,
    private readonly catalog: PlanCatalog,
  ) {}

  onModuleInit(): void {
    const plans = this.catalog.list().map((plan) => plan.key);
    for (const { value, where } of findRouteMetadata<string[]>(this.discovery, REQUIRES_PLAN_KEY)) {
      const unknown = value.find((plan) => !this.catalog.get(plan));
      if (unknown !== undefined) {
        throw new PaymentsConfigError(
          `nestjs-headless-payments: @RequiresPlan('${unknown}') on ${where} names a plan that is not in your plans; use one of: ${plans.join(', ')}.`,
        );
      }
    }
    for (const { value, where } of findRouteMetadata<string[]>(this.discovery, REQUIRES_FEATURE_KEY)) {
      const unknown = value.find((feature) => !this.catalog.knowsFeature(feature));
      if (unknown !== undefined) {
        const known = [...new Set(this.catalog.list().flatMap((plan) => plan.features))];
        throw new PaymentsConfigError(
          `nestjs-headless-payments: @RequiresFeature('${unknown}') on ${where} names a feature no plan grants; add '${unknown}' to the features of a plan (known: ${known.join(', ') || 'none'}).`,
        );
      }
    }
  }
}
