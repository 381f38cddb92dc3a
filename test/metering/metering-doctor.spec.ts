import { PlanCatalog } from '../../lib';
import { checkMeteredMetrics } from '../../lib/metering/metering-doctor';
import { FakeStripe } from '../../lib/testing';
import { meteredPlans, seedMeteredCatalog } from './metering-kit';

describe('doctor: metered metrics checked at Stripe', () => {
  let fake: FakeStripe;

  beforeAll(async () => {
    fake = await FakeStripe.start({ seed: 141 });
    seedMeteredCatalog(fake);
    fake.createPrice({ id: 'price_flat_calls', interval: 'month', meter: 'mtr_test_api_calls', unitAmount: 2 });
    fake.createPrice({ id: 'price_licensed', interval: 'month', unitAmount: 2 });
  });
  afterAll(() => fake.stop());

  it('passes a meter that exists with its metered prices, included units free in the first tier', async () => {
    const checks = await checkMeteredMetrics(fake.client(), new PlanCatalog(meteredPlans));
    expect(checks.map((c) => [c.ok, c.warning ?? false])).toEqual([[true, false], [true, false]]);
  });

  it('fails an unknown meter and a price that is not metered on it; warns when included units would be billed', async () => {
    const catalog = new PlanCatalog({
      a: { name: 'A', metered: { api_calls: { meter: 'no_such_meter', priceId: 'price_payg_calls' } } },
      b: { name: 'B', metered: { exports: { meter: 'api_calls', priceId: 'price_licensed' } } },
      c: { name: 'C', metered: { api_calls: { meter: 'api_calls', priceId: 'price_flat_calls', included: 100 } } },
    });
    const checks = await checkMeteredMetrics(fake.client(), catalog);
    expect(checks.map((c) => [c.ok, c.warning ?? false])).toEqual([[false, false], [false, false], [true, true]]);
    expect(checks[0].message).toMatch(/no active meter with event_name 'no_such_meter'/);
    expect(checks[1].message).toMatch(/price_licensed is not a metered price/);
    expect(checks[2].message).toMatch(/Stripe will bill them/);
  });
});
