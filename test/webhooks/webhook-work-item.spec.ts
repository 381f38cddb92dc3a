import type Stripe from 'stripe';
import { webhookOrderKey, webhookWorkPayload } from '../../lib/webhooks/queued/webhook-work-item';

const event = (object: Record<string, unknown>, type = 'customer.subscription.updated') => ({ id: 'evt_1', type, data: { object } }) as unknown as Stripe.Event;

// Queued mode's order key: the billable's Stripe customer, read from the payload alone.
describe('webhookOrderKey', () => {
  it.each([
    ['a subscription names its customer', event({ id: 'sub_1', object: 'subscription', customer: 'cus_1' }), 'cus_1'],
    ['an expanded customer', event({ id: 'in_1', object: 'invoice', customer: { id: 'cus_2', object: 'customer' } }), 'cus_2'],
    ['a customer event is keyed by the customer itself', event({ id: 'cus_3', object: 'customer' }, 'customer.deleted'), 'cus_3'],
    ['no customer: the object orders its own events', event({ id: 'cs_4', object: 'checkout.session', customer: null }), 'cs_4'],
    ['nothing to key on', event({}), undefined],
  ])('%s', (_name, given, expected) => {
    expect(webhookOrderKey(given)).toBe(expected);
  });
});

describe('webhookWorkPayload', () => {
  const big = event({ id: 'sub_1', object: 'subscription', customer: 'cus_1', metadata: { blob: 'x'.repeat(70_000) } });
  it('keeps the event itself, whatever its size, where the column has no limit', () => {
    expect(webhookWorkPayload(big, false)).toEqual({ event: big });
  });
  it('keeps an event too big for a MySQL/MariaDB TEXT column by id (the worker fetches it)', () => {
    expect(webhookWorkPayload(big, true)).toEqual({ eventId: 'evt_1', type: 'customer.subscription.updated' });
  });
  it('keeps a usual event itself on MySQL/MariaDB too', () => {
    const small = event({ id: 'sub_1', customer: 'cus_1' });
    expect(webhookWorkPayload(small, true)).toEqual({ event: small });
  });
});
