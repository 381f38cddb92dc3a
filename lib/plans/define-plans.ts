import { PlanDefinition } from './plan.types';

/**
 * Declares the plans with their literal keys, features and limits kept, so that
 * `@RequiresPlan('pro')` or `@RequiresFeature('exports')` is checked by the compiler
 * once `PaymentsRegister` is augmented with `typeof plans`.
 */
export function definePlans<const T extends Record<string, PlanDefinition>>(plans: T): T {
  return plans;
}
