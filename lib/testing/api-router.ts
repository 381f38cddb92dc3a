import { FakeContext } from './fake-context';
import { ENDPOINT_PARAMS } from './params/endpoint-params';
import { checkParams, ParamSchema } from './params/param-schema';
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
  /** What Stripe accepts here; absent for a route with no table yet (then nothing is checked). */
  schema?: ParamSchema;
  key: string;
}

/** Method + path table; `:id` matches one path segment. */
export class ApiRouter {
  private readonly routes: Route[] = [];

  constructor(readonly ctx: FakeContext) {}

  add(method: string, path: string, handler: RouteHandler): this {
    const source = path.split('/').map((seg) => (seg === ':id' ? '([^/]+)' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
    const key = `${method} ${path}`;
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), handler, schema: ENDPOINT_PARAMS[key], key });
    return this;
  }

  handle(method: string, path: string, params: RequestParams): object {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      // Unknown parameters are refused before the endpoint runs, as Stripe's validation does.
      if (route.schema) checkParams(route.schema, params.raw);
      return route.handler({ method, path, ids: m.slice(1).map(decodeURIComponent), params });
    }
    throw new StripeApiError(
      404,
      'invalid_request_error',
      `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    );
  }

  /** `METHOD path` of routes that have no parameter table (so accept anything): a test keeps this empty. */
  unchecked(): string[] {
    return this.routes.filter((r) => !r.schema).map((r) => r.key);
  }
}
