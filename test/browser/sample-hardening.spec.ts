import { buildStripeEvent, FakeStripe, signedWebhookRequest } from '../../lib/testing';
import { SampleProcess, startSample } from './support/sample-process';

// Issue 10, the sample's small items: no guessable webhook secret, real-size events get through
// the JSON parser, and a malformed e-mail is a 400 that logs nothing about it. No browser needed.
describe('the sample app, hardened', () => {
  let withSecret: SampleProcess;
  let plain: SampleProcess;
  const secret = 'whsec_sample_hardening_test_secret';

  beforeAll(async () => {
    [withSecret, plain] = await Promise.all([startSample(30_000, { STRIPE_WEBHOOK_SECRET: secret }), startSample()]);
  });
  afterAll(async () => {
    await withSecret?.stop();
    await plain?.stop();
  });

  const webhook = (sample: SampleProcess, request: { body: string; headers: Record<string, string> }) =>
    fetch(`${sample.origin}/api/payments/webhook`, { method: 'POST', headers: request.headers, body: request.body });

  it('signs with a fresh secret per start: an event signed with the seed-derived secret of old is refused', async () => {
    const seeded = await FakeStripe.start({ seed: 1 });
    const oldSecret = seeded.webhookSecret;
    await seeded.stop();
    const forged = signedWebhookRequest(buildStripeEvent('product.created', { id: 'prod_forged' }), oldSecret);
    const res = await webhook(plain, forged);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('invalid_signature');
  });

  it('uses STRIPE_WEBHOOK_SECRET when set, and a 150 kB signed event passes the JSON parser', async () => {
    const event = buildStripeEvent('product.created', { id: 'prod_big', object: 'product', metadata: {}, description: 'x'.repeat(150_000) });
    const request = signedWebhookRequest(event, secret);
    expect(request.body.length).toBeGreaterThan(150_000);
    const res = await webhook(withSecret, request);
    expect(res.status).toBe(200);
  });

  it('an e-mail with a NUL byte is 400 and the address appears in no log line', async () => {
    const email = 'nul-person\u0000hidden@example.com';
    const res = await fetch(`${plain.origin}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
    expect(res.status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(plain.output()).not.toContain('nul-person');
    const ok = await fetch(`${plain.origin}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ok@example.com' }) });
    expect(ok.status).toBe(200);
  });
});
