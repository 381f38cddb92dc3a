import { ApiRouter } from '../api-router';
import { listResponse } from '../list-helpers';
import { missing } from '../stripe-api.error';
import { ScheduleEngine } from '../subscription-schedule.engine';

/** `/v1/subscription_schedules`: create (from_subscription), retrieve, update, list, release, cancel. */
export function subscriptionScheduleRoutes(router: ApiRouter, schedules: ScheduleEngine): void {
  const { ctx } = router;

  router.add('POST', '/v1/subscription_schedules', ({ params }) => schedules.createFromSubscription(params));
  router.add('GET', '/v1/subscription_schedules/:id', ({ ids }) => schedules.get(ids[0]));
  router.add('POST', '/v1/subscription_schedules/:id', ({ ids, params }) => schedules.update(schedules.get(ids[0]), params));
  router.add('POST', '/v1/subscription_schedules/:id/release', ({ ids }) => schedules.release(schedules.get(ids[0])));
  router.add('POST', '/v1/subscription_schedules/:id/cancel', ({ ids }) => schedules.cancel(schedules.get(ids[0])));

  router.add('GET', '/v1/subscription_schedules', ({ params }) => {
    const customer = params.str('customer');
    if (customer !== undefined && !ctx.store.customers.has(customer)) throw missing('customer', customer, 'customer');
    const all = [...ctx.store.subscriptionSchedules.values()].filter((s) => customer === undefined || s.customer === customer);
    return listResponse(all, params, '/v1/subscription_schedules');
  });
}
