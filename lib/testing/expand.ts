import { clone, FakeContext } from './fake-context';
import { EXPANDABLE_FIELDS } from './params/expandable-fields';
import { badParam, StripeApiError } from './stripe-api.error';

/** Id prefix -> the store map an expanded id is looked up in. */
function lookup(ctx: FakeContext, id: string): object | undefined {
  const s = ctx.store;
  if (id.startsWith('cus_')) return s.customers.get(id);
  if (id.startsWith('sub_')) return s.subscriptions.get(id);
  if (id.startsWith('in_')) return s.invoices.get(id);
  if (id.startsWith('price_') || s.prices.has(id)) return s.prices.get(id);
  if (id.startsWith('prod_')) return s.products.get(id);
  if (id.startsWith('cs_')) return s.checkoutSessions.get(id);
  if (id.startsWith('pm_')) return s.paymentMethods.get(id);
  if (id.startsWith('di_')) return s.discounts.get(id);
  return undefined;
}

/**
 * Applies `expand[]` paths such as `latest_invoice`, `customer`, `data.subscription`,
 * `items.data.price` on a copy of the response. Ids the fake cannot resolve stay ids; a path that
 * ends on a property Stripe cannot expand (or walks through one that does not exist) is a 400.
 */
export function applyExpand(ctx: FakeContext, response: object, paths: string[]): object {
  if (paths.length === 0) return response;
  const out = clone(response) as Record<string, unknown>;
  for (const path of paths) expandAt(ctx, out, path.split('.'), path);
  return out;
}

/**
 * What can be told from the paths alone (depth, the property they end on), checked before the
 * endpoint runs so a bad `expand[]` on a create changes nothing, as at Stripe.
 */
export function checkExpandPaths(paths: string[]): void {
  for (const path of paths) {
    const segments = path.split('.');
    if (segments.length > 4) throw asValidation(badParam('expand', `You cannot expand more than 4 levels of a property. Property: ${path}`));
    const last = segments[segments.length - 1];
    if (!EXPANDABLE_FIELDS.has(last)) throw asValidation(cannotExpand(last));
  }
}

function expandAt(ctx: FakeContext, node: unknown, segments: string[], path: string): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const el of node) expandAt(ctx, el, segments, path);
    return;
  }
  const obj = node as Record<string, unknown>;
  const [head, ...rest] = segments;
  if (head !== 'data' && (obj.object === 'list' || obj.object === 'search_result')) {
    throw cannotExpand(head, ` You may want to try expanding 'data.${path}' instead.`);
  }
  if (head === 'tax_ids' && obj.object === 'customer' && rest.length === 0 && obj.tax_ids === undefined) {
    // An includable list: absent from a customer unless asked for.
    const data = [...ctx.store.taxIds.values()].filter((t) => t.customer === obj.id).map((t) => clone(t));
    obj.tax_ids = { object: 'list', data, has_more: false, url: `/v1/customers/${String(obj.id)}/tax_ids` };
    return;
  }
  const value = obj[head];
  const expandable = EXPANDABLE_FIELDS.has(head);
  if (rest.length === 0 ? !expandable : value === undefined && !expandable) throw cannotExpand(head);
  if (typeof value === 'string' && expandable) {
    const found = lookup(ctx, value);
    if (found) obj[head] = clone(found);
  }
  // A list of ids (`discounts`) expands element by element.
  if (Array.isArray(value) && expandable && rest.length === 0) {
    obj[head] = value.map((el) => (typeof el === 'string' ? (lookup(ctx, el) ? clone(lookup(ctx, el)!) : el) : el));
  }
  if (rest.length > 0) expandAt(ctx, obj[head], rest, path);
}

function asValidation(err: StripeApiError): StripeApiError {
  err.validation = true;
  return err;
}

/** Stripe's wording; it names the property, not a param. */
function cannotExpand(property: string, hint = ''): StripeApiError {
  return new StripeApiError(400, 'invalid_request_error', `This property cannot be expanded (${property}).${hint}`);
}
