import 'reflect-metadata';
import { REQUIRES_FEATURE_KEY, REQUIRES_PLAN_KEY, TRACK_USAGE_KEY } from '../../lib/payments.constants';
import { RequiresFeature, RequiresPlan, TrackUsage } from '../../lib';
import '../support/test-plans';

/*
 * Type-level test, checked by `npx tsc --noEmit -p tsconfig.json`: each `@ts-expect-error` must be
 * consumed, i.e. the name must be a compile error. The catalogue registered for the tests is
 * `testPlans` (test/support/test-plans.ts augments `PaymentsRegister`, as an app does).
 */
class Typed {
  // @ts-expect-error 'platinum_plus' is not a registered plan key
  @RequiresPlan('pro', 'platinum_plus')
  misspeltPlan() {}

  // @ts-expect-error 'time_travel' is not a feature of any registered plan
  @RequiresFeature('time_travel')
  misspeltFeature() {}

  // @ts-expect-error 'moon_landings' is not a limit of any registered plan
  @TrackUsage('moon_landings')
  misspeltMetric() {}

  // @ts-expect-error a plan requirement names at least one plan
  @RequiresPlan()
  noPlan() {}

  @RequiresPlan('free', 'pro', 'enterprise')
  @RequiresFeature('basic', 'advanced_exports')
  @TrackUsage('api_calls', { quantity: (req: { body: { n: number } }) => req.body.n })
  valid() {}
}

describe('decorator typing', () => {
  it('keeps the names it was given as metadata (the names are checked at compile time)', () => {
    expect(Reflect.getMetadata(REQUIRES_PLAN_KEY, Typed.prototype.valid)).toEqual(['free', 'pro', 'enterprise']);
    expect(Reflect.getMetadata(REQUIRES_FEATURE_KEY, Typed.prototype.valid)).toEqual(['basic', 'advanced_exports']);
    expect(Reflect.getMetadata(TRACK_USAGE_KEY, Typed.prototype.valid)).toMatchObject({ metric: 'api_calls' });
    expect(Reflect.getMetadata(REQUIRES_PLAN_KEY, Typed.prototype.misspeltPlan)).toEqual(['pro', 'platinum_plus']);
  });
});
