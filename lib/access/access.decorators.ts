import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { REQUIRES_ACTIVE_KEY, REQUIRES_FEATURE_KEY, REQUIRES_PLAN_KEY } from '../payments.constants';
import { FeatureName, PlanKey } from '../plans/plan.types';
import { PaymentsAccessGuard } from './payments-access.guard';

/**
 * Lets in only billables whose plan in effect is one of `plans` (403 `plan_required`).
 * On a method or a controller; method metadata overrides the controller's.
 */
export function RequiresPlan(...plans: [PlanKey, ...PlanKey[]]) {
  return applyDecorators(SetMetadata(REQUIRES_PLAN_KEY, plans), UseGuards(PaymentsAccessGuard));
}

/** Lets in only billables whose plan in effect grants every one of `features` (403 `feature_required`). */
export function RequiresFeature(...features: [FeatureName, ...FeatureName[]]) {
  return applyDecorators(SetMetadata(REQUIRES_FEATURE_KEY, features), UseGuards(PaymentsAccessGuard));
}

/** Lets in only billables with a live subscription: active, trial, grace after cancel, past due within policy (403 `subscription_required`). */
export function RequiresActiveSubscription() {
  return applyDecorators(SetMetadata(REQUIRES_ACTIVE_KEY, true), UseGuards(PaymentsAccessGuard));
}
