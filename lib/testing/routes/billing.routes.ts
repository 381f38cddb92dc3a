import type Stripe from 'stripe';
import { ApiRouter } from '../api-router';
import { listResponse } from '../list-helpers';
import { badParam, missing, StripeApiError } from '../stripe-api.error';

/** Billing portal sessions and Billing Meters (meter events deduplicated by `identifier`). */
export function billingRoutes(router: ApiRouter): void {
  const { ctx } = router;

  router.add('POST', '/v1/billing_portal/sessions', ({ params }) => {
    const customer = params.reqStr('customer');
    if (!ctx.store.customers.has(customer)) throw missing('customer', customer, 'customer');
    const returnUrl = params.str('return_url') ?? null;
    if (returnUrl !== null && !/^https?:\/\//.test(returnUrl)) throw badParam('return_url', 'Not a valid URL');
    const flowData = params.obj('flow_data');
    const flowType = flowData?.oneOf('type', ['payment_method_update', 'subscription_cancel', 'subscription_update', 'subscription_update_confirm'] as const);
    if (flowData && !flowType) throw badParam('flow_data[type]', 'Missing required param: flow_data[type].', 'parameter_missing');
    const id = ctx.id('bps_');
    const session = {
      configuration: 'bpc_fake_default',
      created: ctx.now(),
      customer,
      // Deep links: the portal opens on this task (the fake keeps the type; its portal page is one page).
      flow: flowType
        ? {
            after_completion: { hosted_confirmation: null, redirect: null, type: 'portal_homepage' },
            subscription_cancel: null, subscription_update: null, subscription_update_confirm: null, type: flowType,
          }
        : null,
      id,
      livemode: false,
      locale: params.str('locale') ?? null,
      object: 'billing_portal.session',
      on_behalf_of: null,
      return_url: returnUrl,
      url: `${ctx.baseUrl()}/portal/${id}`,
      customer_account: null,
    } as unknown as Stripe.BillingPortal.Session;
    ctx.store.portalSessions.set(id, session);
    return session;
  });

  router.add('POST', '/v1/billing/meters', ({ params }) => {
    const eventName = params.reqStr('event_name');
    for (const m of ctx.store.meters.values()) {
      if (m.event_name === eventName && m.status === 'active') throw badParam('event_name', `An active meter with event_name '${eventName}' already exists.`);
    }
    const formula = params.obj('default_aggregation')?.oneOf('formula', ['sum', 'count', 'last'] as const);
    if (!formula) throw badParam('default_aggregation[formula]', 'Missing required param: default_aggregation[formula].', 'parameter_missing');
    const meter = {
      created: ctx.now(),
      customer_mapping: { event_payload_key: params.obj('customer_mapping')?.str('event_payload_key') ?? 'stripe_customer_id', type: 'by_id' },
      default_aggregation: { formula },
      display_name: params.reqStr('display_name'),
      event_name: eventName,
      event_time_window: params.str('event_time_window') ?? null,
      id: ctx.id('mtr_test_'),
      livemode: false,
      object: 'billing.meter',
      status: 'active',
      status_transitions: { deactivated_at: null },
      updated: ctx.now(),
      value_settings: { event_payload_key: params.obj('value_settings')?.str('event_payload_key') ?? 'value' },
    } as unknown as Stripe.Billing.Meter;
    ctx.store.meters.set(meter.id, meter);
    return meter;
  });
  router.add('GET', '/v1/billing/meters/:id', ({ ids }) => ctx.store.meters.get(ids[0]) ?? thrower(missing('billing.meter', ids[0])));
  router.add('GET', '/v1/billing/meters', ({ params }) => {
    const status = params.str('status');
    return listResponse([...ctx.store.meters.values()].filter((m) => status === undefined || m.status === status), params, '/v1/billing/meters');
  });

  router.add('POST', '/v1/billing/meter_events', ({ params }) => {
    const eventName = params.reqStr('event_name');
    const meter = [...ctx.store.meters.values()].find((m) => m.event_name === eventName && m.status === 'active');
    if (!meter) throw badParam('event_name', `No active meter was found matching event_name '${eventName}'.`);
    const payload = params.obj('payload');
    if (!payload) throw badParam('payload', 'Missing required param: payload.', 'parameter_missing');
    const customerKey = meter.customer_mapping.event_payload_key;
    const valueKey = meter.value_settings.event_payload_key;
    const customer = payload.reqStr(customerKey);
    if (!ctx.store.customers.has(customer)) throw missing('customer', customer, `payload[${customerKey}]`);
    const rawValue = payload.str(valueKey) ?? (meter.default_aggregation.formula === 'count' ? '1' : undefined);
    if (rawValue === undefined || !/^-?\d+(\.\d+)?$/.test(rawValue)) throw badParam(`payload[${valueKey}]`, `The value must be a number.`);
    const identifier = params.str('identifier') ?? ctx.id('mev_');
    if (ctx.store.meterEvents.has(identifier)) {
      throw new StripeApiError(400, 'invalid_request_error', `An event already exists with identifier ${identifier}.`, 'identifier', 'duplicate_meter_event');
    }
    const timestamp = params.int('timestamp') ?? ctx.now();
    ctx.store.meterEvents.set(identifier, { event_name: eventName, identifier, customer, value: Number(rawValue), timestamp });
    return {
      created: ctx.now(),
      event_name: eventName,
      identifier,
      livemode: false,
      object: 'billing.meter_event',
      payload: Object.fromEntries(Object.entries(payload.raw).map(([k, v]) => [k, String(v)])),
      timestamp,
    };
  });
}

function thrower(error: Error): never {
  throw error;
}
