import type Stripe from 'stripe';
import { ApiRouter } from '../api-router';
import { clone } from '../fake-context';
import { createdFilter, listResponse, searchResponse } from '../list-helpers';
import { buildCustomer, buildDeletedCustomer, buildTaxId } from '../objects/customer.factory';
import { badParam, missing } from '../stripe-api.error';
import { SubscriptionEngine } from '../subscription.engine';

export function customerRoutes(router: ApiRouter, engine: SubscriptionEngine): void {
  const { ctx } = router;
  const get = (id: string): Stripe.Customer => {
    const c = ctx.store.customers.get(id);
    if (!c) throw missing('customer', id);
    return c;
  };

  router.add('POST', '/v1/customers', ({ params }) => {
    const testClock = params.str('test_clock');
    if (testClock !== undefined && !ctx.store.testClocks.has(testClock)) throw missing('test clock', testClock, 'test_clock');
    const taxIdData = params.list('tax_id_data').map((t, i) => {
      const type = t.str('type');
      const value = t.str('value');
      if (!type || !value) throw badParam(`tax_id_data[${i}][${type ? 'value' : 'type'}]`, `Missing required param: tax_id_data[${i}][${type ? 'value' : 'type'}].`, 'parameter_missing');
      return { type, value };
    });
    const address = params.obj('address');
    const customer = buildCustomer({
      id: ctx.id('cus_', 14),
      created: ctx.now(),
      email: params.str('email'),
      name: params.str('name'),
      phone: params.str('phone'),
      description: params.str('description'),
      metadata: params.metadata(),
      testClock,
    });
    if (address) {
      for (const key of ['line1', 'line2', 'city', 'state', 'postal_code', 'country'] as const) customer.address![key] = address.str(key) ?? null;
    }
    for (const { type, value } of taxIdData) {
      const taxId = buildTaxId(ctx.id('txi_'), customer.id, ctx.now(), type, value);
      ctx.store.taxIds.set(taxId.id, taxId);
    }
    ctx.store.customers.set(customer.id, customer);
    ctx.store.cards.set(customer.id, 'success');
    ctx.emit('customer.created', customer);
    return customer;
  });

  router.add('GET', '/v1/customers/search', ({ params }) => {
    const matches = parseSearchQuery(params.reqStr('query'));
    const found = [...ctx.store.customers.values()].filter((c) => matches(c as unknown as Record<string, unknown>));
    return searchResponse(found, params, '/v1/customers/search');
  });

  router.add('GET', '/v1/customers/:id', ({ ids }) => {
    if (ctx.store.deletedCustomers.has(ids[0])) return buildDeletedCustomer(ids[0]);
    return get(ids[0]);
  });

  router.add('POST', '/v1/customers/:id', ({ ids, params }) => {
    const customer = get(ids[0]);
    const before = clone(customer);
    for (const key of ['email', 'name', 'phone', 'description'] as const) {
      const v = params.nullableStr(key);
      if (v !== undefined) customer[key] = v;
    }
    customer.metadata = params.metadata(customer.metadata);
    const dpm = params.obj('invoice_settings')?.nullableStr('default_payment_method');
    if (dpm !== undefined) customer.invoice_settings.default_payment_method = dpm;
    ctx.emit('customer.updated', customer, before);
    return customer;
  });

  router.add('DELETE', '/v1/customers/:id', ({ ids }) => {
    const customer = get(ids[0]);
    for (const sub of ctx.store.subscriptions.values()) {
      if (sub.customer === customer.id) engine.cancelNow(sub, 'cancellation_requested');
    }
    ctx.store.customers.delete(customer.id);
    ctx.store.deletedCustomers.add(customer.id);
    ctx.emit('customer.deleted', customer);
    return buildDeletedCustomer(customer.id);
  });

  router.add('GET', '/v1/customers', ({ params }) => {
    const email = params.str('email');
    const inRange = createdFilter(params);
    const all = [...ctx.store.customers.values()].filter((c) => (email === undefined || c.email === email) && inRange(c.created));
    return listResponse(all, params, '/v1/customers');
  });
}

/**
 * The subset of Stripe's search language tests need: `field:'value'` and
 * `metadata['key']:'value'` clauses joined with AND (exact, case-sensitive match).
 */
export function parseSearchQuery(query: string): (obj: Record<string, unknown>) => boolean {
  const clauses = query.split(/\s+AND\s+/i).map((clause) => {
    const m = /^\s*(metadata\[['"]([^'"]+)['"]\]|[a-z_]+)\s*:\s*['"]([^'"]*)['"]\s*$/.exec(clause);
    if (!m) throw badParam('query', `Invalid search query: ${query}`);
    return { field: m[2] ? null : m[1], metaKey: m[2] ?? null, value: m[3] };
  });
  return (obj) =>
    clauses.every((c) => {
      if (c.metaKey) return (obj.metadata as Record<string, string> | undefined)?.[c.metaKey] === c.value;
      return String(obj[c.field as string] ?? '') === c.value;
    });
}
