import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { NOT_APP_TRAFFIC } from '../queue/run-allowance';
import { ApiRouter } from './api-router';
import { assertModelledVersion, renderForVersion } from './api-versions';
import { applyExpand, checkExpandPaths } from './expand';
import { FakeContext } from './fake-context';
import { RecordedRequest } from './fake-stripe.types';
import { FaultInjector } from './fault-injector';
import { parseFormBody } from './form-body.parser';
import { IdempotencyStore } from './idempotency.store';
import { RequestParams } from './request-params';
import { keptUnderIdempotencyKey, StripeApiError } from './stripe-api.error';

export interface PageHandler {
  handle(method: string, url: URL, body: string, res: ServerResponse): void;
}

/** The loopback HTTP face of the fake: Stripe's API under /v1 plus the hosted pages. */
export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly server: Server;
  private readonly idempotency = new IdempotencyStore();
  private readonly hanging = new Set<NodeJS.Timeout>();

  constructor(
    private readonly ctx: FakeContext,
    private readonly router: ApiRouter,
    private readonly faults: FaultInjector,
    private readonly pages: PageHandler,
  ) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        ctx.options.logger(`FakeStripe: internal error ${String(err)}`);
        if (!res.headersSent) this.send(res, 500, new StripeApiError(500, 'api_error', 'FakeStripe internal error').toBody());
      });
    });
    // Its requests are the queue's own Stripe calls, not app traffic the queue should yield to.
    (this.server as unknown as Record<symbol, boolean>)[NOT_APP_TRAFFIC] = true;
    // Keep-alive sockets would otherwise hold `stop()` open until they time out.
    this.server.keepAliveTimeout = 1000;
  }

  /** Listens on 127.0.0.1:`port` (0: a free one); rejects if the port is taken. */
  async listen(port = 0): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const failed = (err: NodeJS.ErrnoException): void =>
        reject(new Error(`FakeStripe: cannot listen on 127.0.0.1:${port} (${err.code ?? err.message})`));
      this.server.once('error', failed);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', failed);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const t of this.hanging) clearTimeout(t);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.ctx.baseUrl());
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);
    if (!url.pathname.startsWith('/v1/') && !url.pathname.startsWith('/v2/')) {
      this.pages.handle(method, url, body, res);
      return;
    }
    const key = header(req, 'idempotency-key');
    const record: RecordedRequest = { method, path: url.pathname, status: 0, ...(key ? { idempotencyKey: key } : {}) };
    this.requests.push(record);
    const auth = header(req, 'authorization') ?? '';
    if (!/^Bearer (sk|rk)_test_\S+$/.test(auth)) {
      record.status = 401;
      const msg = 'Invalid API Key provided. Use a test-mode secret key (sk_test_...) with FakeStripe.';
      this.send(res, 401, new StripeApiError(401, 'invalid_request_error', msg).toBody());
      return;
    }
    let version: string;
    try {
      // The SDK always sends its pinned version; a request without one gets the account's.
      version = assertModelledVersion(header(req, 'stripe-version') ?? this.ctx.options.apiVersion);
    } catch (err) {
      record.status = 400;
      this.send(res, 400, (err as StripeApiError).toBody());
      return;
    }
    const fault = this.faults.take(method, url.pathname);
    if (fault?.kind === 'fail') {
      record.status = fault.status;
      const type = fault.status === 429 ? 'rate_limit_error' : 'api_error';
      const message = fault.status === 429 ? 'Too many requests hit the API too quickly.' : 'An unknown error occurred (injected by FakeStripe).';
      const headers: Record<string, string> = fault.shouldRetry === undefined ? {} : { 'Stripe-Should-Retry': String(fault.shouldRetry) };
      this.send(res, fault.status, new StripeApiError(fault.status, type, message, undefined, fault.status === 429 ? 'rate_limit' : undefined).toBody(), headers);
      return;
    }
    // v2 endpoints take JSON; the fake serves only their GETs, so the query string is all there is.
    const params = parseFormBody(method === 'POST' && url.pathname.startsWith('/v1/') ? body : url.search.slice(1));
    record.params = params;
    const fingerprint = `${method} ${url.pathname} ${canonical(params)}`;
    const requestId = this.ctx.id('req_', 14);
    const baseHeaders: Record<string, string> = { 'Request-Id': requestId, 'Stripe-Version': version };
    if (key && method === 'POST') {
      baseHeaders['Idempotency-Key'] = key;
      const found = this.idempotency.lookup(key, fingerprint);
      if (found.kind === 'replay') {
        record.status = found.response.status;
        record.replayed = true;
        this.sendRaw(res, found.response.status, found.response.body, { ...baseHeaders, 'Idempotent-Replayed': 'true' });
        return;
      }
      if (found.kind !== 'new') {
        const status = found.kind === 'mismatch' ? 400 : 409;
        const message =
          found.kind === 'mismatch'
            ? `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`
            : 'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please try again later.';
        record.status = status;
        this.send(res, status, new StripeApiError(status, 'idempotency_error', message).toBody(), baseHeaders);
        return;
      }
      this.idempotency.begin(key, fingerprint);
    }
    // The hang (and a standing latency) sits after the key is taken, so a retry during it sees 'in progress' (409) as at Stripe.
    const waitMs = (fault?.kind === 'hang' ? fault.ms : 0) + this.faults.latencyFor(method, url.pathname);
    if (waitMs > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.hanging.delete(t);
          resolve();
        }, waitMs);
        this.hanging.add(t);
      });
    }
    const { status, payload, keep, invalid } = this.execute(method, url.pathname, params, requestId, key ?? null, version);
    if (invalid) record.invalid = invalid;
    const text = JSON.stringify(payload, null, 2);
    if (key && method === 'POST') this.idempotency.finish(key, status >= 500 || !keep ? null : { fingerprint, status, body: text });
    if (fault?.kind === 'drop' || res.destroyed || req.socket.destroyed) {
      // Done, but the caller never hears of it: `status` stays 0, as the client saw nothing.
      record.lostAnswerStatus = status;
      req.socket.destroy();
      return;
    }
    record.status = status;
    this.sendRaw(res, status, text, baseHeaders);
  }

  private execute(method: string, path: string, raw: ReturnType<typeof parseFormBody>, requestId: string, key: string | null, version: string): { status: number; payload: object; keep: boolean; invalid?: RecordedRequest['invalid'] } {
    this.ctx.origin = { id: requestId, idempotencyKey: key, apiVersion: version };
    try {
      const params = new RequestParams(raw);
      checkExpandPaths(params.expand());
      const result = this.router.handle(method, path, params);
      return { status: 200, payload: renderForVersion(applyExpand(this.ctx, result, params.expand()), version), keep: true };
    } catch (err) {
      if (err instanceof StripeApiError) {
        const keep = keptUnderIdempotencyKey(err);
        return { status: err.status, payload: err.toBody(), keep, invalid: keep ? undefined : { code: err.code ?? err.type, param: err.param, message: err.message } };
      }
      this.ctx.options.logger(`FakeStripe: ${method} ${path} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      return { status: 500, payload: new StripeApiError(500, 'api_error', 'FakeStripe internal error').toBody(), keep: false };
    } finally {
      this.ctx.origin = { id: null, idempotencyKey: null };
    }
  }

  private send(res: ServerResponse, status: number, payload: object, headers: Record<string, string> = {}): void {
    this.sendRaw(res, status, JSON.stringify(payload, null, 2), headers);
  }

  private sendRaw(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'Content-Type': 'application/json', 'Stripe-Version': this.ctx.options.apiVersion, ...headers });
    res.end(text);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Key-order-independent JSON, so the same params in another order still replay. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj).sort().map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`).join(',')}}`;
}
