import { RequestParams } from './request-params';
import { badParam } from './stripe-api.error';

interface WithId {
  id?: string;
  created?: number;
}

/** Stripe's list envelope with limit / starting_after / ending_before over newest-first data. */
export function listResponse<T extends WithId>(items: T[], params: RequestParams, url: string): object {
  const limit = params.int('limit', 1) ?? 10;
  if (limit > 100) throw badParam('limit', 'This value must be less than or equal to 100.');
  // Insertion order is creation order; Stripe lists newest first.
  let data = [...items].reverse();
  const after = params.str('starting_after');
  const before = params.str('ending_before');
  if (after) {
    const i = data.findIndex((x) => x.id === after);
    data = i >= 0 ? data.slice(i + 1) : [];
  } else if (before) {
    const i = data.findIndex((x) => x.id === before);
    data = i >= 0 ? data.slice(Math.max(0, i - limit), i) : [];
    return { object: 'list', data, has_more: i - limit > 0, url };
  }
  return { object: 'list', data: data.slice(0, limit), has_more: data.length > limit, url };
}

/** Stripe's search envelope (no cursor pagination beyond the first page here). */
export function searchResponse<T>(items: T[], params: RequestParams, url: string): object {
  const limit = params.int('limit', 1) ?? 10;
  const data = [...items].reverse();
  return { object: 'search_result', data: data.slice(0, limit), has_more: data.length > limit, next_page: null, url, total_count: data.length };
}

/** `created[gte]=...` / `created=...` filters. */
export function createdFilter(params: RequestParams): (created: number) => boolean {
  const exact = params.raw.created;
  if (typeof exact === 'string' && exact !== '') return (c) => c === Number(exact);
  const range = params.obj('created');
  if (!range) return () => true;
  const gt = range.int('gt');
  const gte = range.int('gte');
  const lt = range.int('lt');
  const lte = range.int('lte');
  return (c) =>
    (gt === undefined || c > gt) && (gte === undefined || c >= gte) && (lt === undefined || c < lt) && (lte === undefined || c <= lte);
}
