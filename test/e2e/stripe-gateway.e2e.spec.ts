import { Logger } from '@nestjs/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import Stripe from 'stripe';
import { PaymentsException } from '../../lib';
import { resolvePaymentsOptions } from '../../lib/payments-options.validator';
import { createStripeClient } from '../../lib/stripe/stripe-client.factory';
import { StripeGateway } from '../../lib/stripe/stripe-gateway.service';
import { TestUser } from '../support/test-user.entity';

type Reply = (req: IncomingMessage, res: ServerResponse) => void;

/** A local HTTP server that answers the real stripe SDK as scripted, recording every request. */
function scriptedStripe() {
  const seen: { path: string; idempotencyKey?: string; version?: string }[] = [];
  let reply: Reply = (_req, res) => res.end('{}');
  const server: Server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', idempotencyKey: req.headers['idempotency-key'] as string, version: req.headers['stripe-version'] as string });
    req.resume();
    req.on('end', () => reply(req, res));
  });
  return {
    seen,
    server,
    answer(next: Reply) {
      reply = next;
    },
    async start() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as { port: number }).port;
    },
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_test', ...headers });
  res.end(JSON.stringify(body));
};

describe('StripeGateway with the real stripe SDK over HTTP', () => {
  const stripe = scriptedStripe();
  let gateway: StripeGateway;
  const logged: string[] = [];

  beforeAll(async () => {
    const port = await stripe.start();
    const options = resolvePaymentsOptions({
      secretKey: 'sk_test_gatewaysecret123',
      plans: { free: { name: 'Free' } },
      billableEntity: TestUser,
      stripeTimeoutMs: 300,
      stripeMaxNetworkRetries: 1,
      stripeClientOptions: { host: '127.0.0.1', port, protocol: 'http' },
    });
    gateway = new StripeGateway(createStripeClient(options), options);
    for (const level of ['log', 'warn', 'error'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => void logged.push(String(args[0])));
    }
  });
  afterAll(() => new Promise<void>((resolve) => stripe.server.close(() => resolve())));
  beforeEach(() => {
    stripe.seen.length = 0;
    logged.length = 0;
  });

  const createCustomer = () =>
    gateway.call('customer.create', (s) => s.customers.create({ email: 'a@b.c' }, { idempotencyKey: gateway.idempotencyKey({ owner: '1', action: 'customer.create' }) }));

  const failure = async (): Promise<PaymentsException> => {
    try {
      await createCustomer();
    } catch (error) {
      return error as PaymentsException;
    }
    throw new Error('expected the call to fail');
  };

  it('pins the API version of the installed SDK and sends our idempotency key', async () => {
    stripe.answer(json(200, { id: 'cus_1', object: 'customer' }));
    const customer = await createCustomer();
    expect(customer.id).toBe('cus_1');
    expect(stripe.seen[0].version).toBe((Stripe as unknown as { API_VERSION: string }).API_VERSION);
    expect(stripe.seen[0].idempotencyKey).toMatch(/^nhp-customer\.create-/);
  });

  it('maps a 500 to 503 stripe_unavailable after retrying with the same key', async () => {
    stripe.answer(json(500, { error: { type: 'api_error', message: 'Internal sk_test_leak' } }));
    const error = await failure();
    expect(error.getStatus()).toBe(503);
    expect(error.code).toBe('stripe_unavailable');
    expect(stripe.seen).toHaveLength(2);
    expect(stripe.seen[1].idempotencyKey).toBe(stripe.seen[0].idempotencyKey);
    expect(JSON.stringify(error.getResponse())).not.toContain('sk_test');
  });

  it('maps a 429 to 503 stripe_unavailable', async () => {
    stripe.answer(json(429, { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many' } }, { 'stripe-should-retry': 'false' }));
    const error = await failure();
    expect([error.getStatus(), error.code]).toEqual([503, 'stripe_unavailable']);
  });

  it('answers 503 within the configured timeout when Stripe hangs', async () => {
    stripe.answer(() => undefined);
    const started = Date.now();
    const error = await failure();
    expect([error.getStatus(), error.code]).toEqual([503, 'stripe_unavailable']);
    // Two attempts of 300 ms plus the SDK's backoff: far below the SDK's 80 s default.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('maps a card error to 402 payment_failed without Stripe text', async () => {
    stripe.answer(json(402, { error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' } }));
    const error = await failure();
    expect([error.getStatus(), error.code]).toEqual([402, 'payment_failed']);
    expect(error.getResponse()).toMatchObject({ declineCode: 'insufficient_funds' });
    expect(JSON.stringify(error.getResponse())).not.toContain('Your card');
  });

  it('maps an invalid request to 400 without Stripe text', async () => {
    stripe.answer(json(400, { error: { type: 'invalid_request_error', code: 'parameter_unknown', param: 'foo', message: 'Received unknown parameter: foo' } }));
    const error = await failure();
    expect([error.getStatus(), error.code]).toEqual([400, 'invalid_request']);
    expect(JSON.stringify(error.getResponse())).not.toContain('unknown parameter');
  });

  it('maps an idempotency mismatch to 409', async () => {
    stripe.answer(json(400, { error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters' } }));
    const error = await failure();
    expect([error.getStatus(), error.code]).toEqual([409, 'idempotency_conflict']);
  });

  it('maps an authentication failure to 502 and logs no key', async () => {
    stripe.answer(json(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_****t123' } }));
    const error = await failure();
    expect([error.getStatus(), error.code]).toEqual([502, 'stripe_error']);
    expect(logged.join('\n')).toMatch(/customer\.create failed: StripeAuthenticationError/);
    expect(logged.join('\n')).not.toMatch(/sk_test|Invalid API Key/);
  });

  it('returns null from find() for a missing object', async () => {
    stripe.answer(json(404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such customer' } }));
    await expect(gateway.find('customer.retrieve', (s) => s.customers.retrieve('cus_x'))).resolves.toBeNull();
  });
});
