import Stripe from 'stripe';
import { buildStripeEvent, signedWebhookRequest, signStripePayload } from '../../lib/testing';

const stripe = new Stripe('sk_test_unused');
const secret = 'whsec_helpers_test';

describe('buildStripeEvent / signedWebhookRequest / signStripePayload', () => {
  it('signs a body so stripe.webhooks.constructEvent accepts it', () => {
    const event = buildStripeEvent('invoice.paid', { id: 'in_123', amount_paid: 4200 }, { id: 'evt_fixed', created: 1_800_000_000 });
    const req = signedWebhookRequest(event, secret);
    expect(req.headers['content-type']).toBe('application/json');
    const parsed = stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'], secret);
    expect(parsed).toMatchObject({ id: 'evt_fixed', type: 'invoice.paid', created: 1_800_000_000, data: { object: { id: 'in_123', amount_paid: 4200, object: 'invoice' } } });
  });

  it('keeps a string payload byte for byte and honours the timestamp', () => {
    const req = signedWebhookRequest('{"raw":true}', secret, { timestamp: 1000 });
    expect(req.body).toBe('{"raw":true}');
    expect(req.headers['stripe-signature']).toBe(signStripePayload('{"raw":true}', secret, 1000));
    expect(() => stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'], secret)).toThrow(/timestamp/i);
  });

  it('matches a known HMAC-SHA256 value', () => {
    // hmac-sha256("whsec_helpers_test", "1700000000.{}") computed independently with openssl.
    expect(signStripePayload('{}', secret, 1_700_000_000)).toBe(`t=1700000000,v1=${EXPECTED}`);
  });

  it('builds events of any type around arbitrary objects', () => {
    const event = buildStripeEvent('plan.created', { object: 'plan', id: 'plan_1' });
    expect(event).toMatchObject({ object: 'event', type: 'plan.created', livemode: false, data: { object: { id: 'plan_1' } } });
    expect(event.id).toMatch(/^evt_/);
  });
});

const EXPECTED = '8471f0cea97784d4fbb7c46ffc7530331e06dbe51bf215f65c4e7ba5639ae90d';
