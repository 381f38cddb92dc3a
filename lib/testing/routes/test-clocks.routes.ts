import { ApiRouter } from '../api-router';
import { addInterval, Interval, SECONDS_PER_DAY } from '../billing-period';
import { listResponse } from '../list-helpers';
import { badParam, missing, missingParam } from '../stripe-api.error';

/** Stripe deletes a test clock (and everything on it) this long after creating it. */
const CLOCK_LIFETIME = 30 * SECONDS_PER_DAY;

/** A Stripe test clock as the fake keeps it. */
export interface FakeTestClock {
  id: string;
  object: 'test_helpers.test_clock';
  created: number;
  deletes_after: number;
  frozen_time: number;
  livemode: false;
  name: string | null;
  status: 'ready' | 'advancing';
  status_details: Record<string, unknown>;
}

/**
 * `test_helpers/test_clocks`, mapped onto the fake's one clock: a clock remembers how far its
 * `frozen_time` was from the fake's time when created and keeps that offset, so advancing any clock
 * advances the fake's whole timeline (every customer, on a clock or not, and every other clock).
 */
export function testClockRoutes(router: ApiRouter, advanceTo: (fakeTime: number) => void): void {
  const { ctx } = router;
  const clocks = ctx.store.testClocks;
  const view = (id: string): FakeTestClock => {
    const clock = clocks.get(id);
    if (!clock) throw missing('test clock', id);
    return { ...clock.object, frozen_time: ctx.now() + clock.offset };
  };

  // Params: frozen_time (required), name, expand.
  router.add('POST', '/v1/test_helpers/test_clocks', ({ params }) => {
    const frozen = params.int('frozen_time');
    if (frozen === undefined) throw missingParam('frozen_time');
    const now = ctx.now();
    const object: FakeTestClock = {
      id: ctx.id('clock_'),
      object: 'test_helpers.test_clock',
      created: now,
      deletes_after: now + CLOCK_LIFETIME,
      frozen_time: frozen,
      livemode: false,
      name: params.str('name') ?? null,
      status: 'ready',
      status_details: {},
    };
    clocks.set(object.id, { object, offset: frozen - now });
    ctx.emit('test_helpers.test_clock.created', view(object.id));
    return view(object.id);
  });

  // Params: expand.
  router.add('GET', '/v1/test_helpers/test_clocks/:id', ({ ids }) => view(ids[0]));

  // Params: limit, starting_after, ending_before, expand.
  router.add('GET', '/v1/test_helpers/test_clocks', ({ params }) => listResponse([...clocks.keys()].map(view), params, '/v1/test_helpers/test_clocks'));

  // Params: frozen_time (required), expand.
  router.add('POST', '/v1/test_helpers/test_clocks/:id/advance', ({ ids, params }) => {
    const current = view(ids[0]);
    const target = params.int('frozen_time');
    if (target === undefined) throw missingParam('frozen_time');
    if (target <= current.frozen_time) throw badParam('frozen_time', 'The frozen_time must be after the current frozen_time of the test clock.');
    const limit = advanceLimit(ctx.store, ids[0], current.frozen_time);
    if (limit !== null && target > limit) {
      throw badParam('frozen_time', 'Cannot advance the test clock more than two intervals of the shortest subscription interval on it at a time.');
    }
    ctx.emit('test_helpers.test_clock.advancing', { ...current, status: 'advancing' });
    advanceTo(target - clocks.get(ids[0])!.offset);
    ctx.emit('test_helpers.test_clock.ready', view(ids[0]));
    // Stripe answers while the clock still advances; a retrieve afterwards finds it `ready`.
    return { ...view(ids[0]), status: 'advancing' };
  });

  // Params: none.
  router.add('DELETE', '/v1/test_helpers/test_clocks/:id', ({ ids }) => {
    const clock = view(ids[0]);
    clocks.delete(clock.id);
    // Stripe deletes what lives on the clock; the fake drops it without events.
    for (const customer of [...ctx.store.customers.values()]) {
      if (customer.test_clock !== clock.id) continue;
      for (const [id, sub] of ctx.store.subscriptions) if (sub.customer === customer.id) ctx.store.subscriptions.delete(id);
      ctx.store.customers.delete(customer.id);
      ctx.store.deletedCustomers.add(customer.id);
    }
    ctx.emit('test_helpers.test_clock.deleted', clock);
    return { id: clock.id, object: 'test_helpers.test_clock', deleted: true };
  });
}

/** Stripe lets a clock move at most two intervals of the shortest subscription interval on it. */
function advanceLimit(store: ApiRouter['ctx']['store'], clockId: string, frozen: number): number | null {
  let limit: number | null = null;
  for (const sub of store.subscriptions.values()) {
    if (store.customers.get(sub.customer as string)?.test_clock !== clockId) continue;
    for (const item of sub.items.data) {
      const recurring = item.price.recurring;
      if (!recurring) continue;
      const end = addInterval(frozen, recurring.interval as Interval, 2 * recurring.interval_count);
      limit = limit === null ? end : Math.min(limit, end);
    }
  }
  return limit;
}
