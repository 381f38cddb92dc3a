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

  eventSummaries(router);

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
    const now = ctx.now();
    const seen = ctx.store.meterIdentifiers.get(identifier);
    // Stripe keeps identifiers unique for at least 24 hours.
    if (seen !== undefined && now - seen < IDENTIFIER_WINDOW_SECONDS) {
      throw new StripeApiError(400, 'invalid_request_error', `An event already exists with identifier ${identifier}.`, 'identifier', 'duplicate_meter_event');
    }
    const timestamp = params.int('timestamp') ?? now;
    if (timestamp < now - BACKDATE_LIMIT_SECONDS) {
      throw new StripeApiError(400, 'invalid_request_error', 'Timestamp must be within the past 35 calendar days.', 'timestamp', 'timestamp_too_far_in_past');
    }
    if (timestamp > now + FUTURE_LIMIT_SECONDS) {
      throw new StripeApiError(400, 'invalid_request_error', 'Timestamp must not be more than 5 minutes in the future.', 'timestamp', 'timestamp_in_future');
    }
    ctx.store.meterIdentifiers.set(identifier, now);
    ctx.store.meterEvents.set(ctx.id('mevr_'), { event_name: eventName, identifier, customer, value: Number(rawValue), timestamp, created: now });
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

const IDENTIFIER_WINDOW_SECONDS = 86_400;
const BACKDATE_LIMIT_SECONDS = 35 * 86_400;
const FUTURE_LIMIT_SECONDS = 300;

/** `GET /v1/billing/meters/:id/event_summaries`: the customer's aggregated usage in [start_time, end_time), whole or per hour/day. */
function eventSummaries(router: ApiRouter): void {
  const { ctx } = router;
  router.add('GET', '/v1/billing/meters/:id/event_summaries', ({ ids, params }) => {
    const meter = ctx.store.meters.get(ids[0]) ?? thrower(missing('billing.meter', ids[0]));
    const customer = params.reqStr('customer');
    const start = params.int('start_time');
    const end = params.int('end_time');
    if (start === undefined) throw badParam('start_time', 'Missing required param: start_time.', 'parameter_missing');
    if (end === undefined) throw badParam('end_time', 'Missing required param: end_time.', 'parameter_missing');
    if (start % 60 !== 0 || end % 60 !== 0) throw badParam(start % 60 !== 0 ? 'start_time' : 'end_time', 'Timestamps must be aligned with minute boundaries.');
    if (end <= start) throw badParam('end_time', 'end_time must be after start_time.');
    const grouping = params.oneOf('value_grouping_window', ['hour', 'day'] as const);
    const step = grouping === 'hour' ? 3600 : grouping === 'day' ? 86_400 : end - start;
    const summaries: { id: string; [field: string]: unknown }[] = [];
    for (let from = start; from < end; from += step) {
      const to = Math.min(from + step, end);
      let total = 0;
      for (const e of ctx.store.meterEvents.values()) {
        if (e.customer === customer && e.event_name === meter.event_name && e.timestamp >= from && e.timestamp < to) total += e.value;
      }
      summaries.push({ aggregated_value: total, end_time: to, id: `mtrusg_${meter.id.slice(-8)}${from}`, livemode: false, meter: meter.id, object: 'billing.meter_event_summary', start_time: from });
    }
    return listResponse(summaries, params, `/v1/billing/meters/${meter.id}/event_summaries`);
  });
}

function thrower(error: Error): never {
  throw error;
}
