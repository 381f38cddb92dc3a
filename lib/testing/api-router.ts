import { FakeContext } from './fake-context';
import { RequestParams } from './request-params';
import { StripeApiError } from './stripe-api.error';

export interface RouteRequest {
  method: string;
  path: string;
  /** Captured `:id` segments in order. */
  ids: string[];
  params: RequestParams;
}

export type RouteHandler = (req: RouteRequest) => object;

interface Route {
  method: string;
  pattern: RegExp;
  handler: RouteHandler;
}

/** Method + path table; `:id` matches one path segment. */
export class ApiRouter {
  private readonly routes: Route[] = [];

  constructor(readonly ctx: FakeContext) {}

  add(method: string, path: string, handler: RouteHandler): this {
    const source = path.split('/').map((seg) => (seg === ':id' ? '([^/]+)' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), handler });
    return this;
  }

  handle(method: string, path: string, params: RequestParams): object {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      return route.handler({ method, path, ids: m.slice(1).map(decodeURIComponent), params });
    }
    throw new StripeApiError(
      404,
      'invalid_request_error',
      `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    );
  }
}
