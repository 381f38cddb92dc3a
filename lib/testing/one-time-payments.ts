import type Stripe from 'stripe';
import { FakeContext } from './fake-context';
import { buildCharge, buildPaymentIntent, buildRefund } from './objects/payment.factory';
import { badParam, missing } from './stripe-api.error';

/**
 * One-time payments of the fake: the PaymentIntent and Charge a payment-mode Checkout Session
 * creates once paid, and refunds of them (full or partial), with the events Stripe sends
 * (`payment_intent.succeeded`, `charge.succeeded`, `refund.created`, `charge.refunded`).
 */
export class OneTimePayments {
  constructor(private readonly ctx: FakeContext) {}

  /** Pays `amount` for a customer now; the succeeded PaymentIntent. */
  pay(input: { amount: number; currency: string; customer: string | null; metadata: Record<string, string>; setupFutureUsage?: string | null; intentId?: string }): Stripe.PaymentIntent {
    const { ctx } = this;
    const intentId = input.intentId ?? ctx.id('pi_');
    const charge = buildCharge({ id: ctx.id('ch_'), created: ctx.now(), amount: input.amount, currency: input.currency, customer: input.customer, paymentIntent: intentId, metadata: input.metadata });
    const intent = buildPaymentIntent({
      id: intentId, created: ctx.now(), amount: input.amount, currency: input.currency, customer: input.customer, latestCharge: charge.id,
      metadata: input.metadata, setupFutureUsage: input.setupFutureUsage ?? null,
    });
    ctx.store.charges.set(charge.id, charge);
    ctx.store.paymentIntents.set(intent.id, intent);
    ctx.emit('payment_intent.succeeded', intent);
    ctx.emit('charge.succeeded', charge);
    return intent;
  }

  /** Refunds part or all of what is left of a charge (by charge or payment intent id). */
  refund(input: { charge?: string; paymentIntent?: string; amount?: number; reason?: string | null; metadata?: Record<string, string> }): Stripe.Refund {
    const { ctx } = this;
    const charge = this.chargeOf(input);
    const left = charge.amount - charge.amount_refunded;
    const amount = input.amount ?? left;
    if (!Number.isSafeInteger(amount) || amount < 1) throw badParam('amount', 'Invalid positive integer');
    if (amount > left) throw badParam('amount', `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`, 'amount_too_large');
    if (left === 0) throw badParam('charge', `Charge ${charge.id} has already been refunded.`, 'charge_already_refunded');
    const refund = buildRefund({
      id: ctx.id('re_'), created: ctx.now(), amount, currency: charge.currency, charge: charge.id, paymentIntent: charge.payment_intent as string,
      reason: input.reason ?? null, metadata: input.metadata ?? {},
    });
    ctx.store.refunds.set(refund.id, refund);
    const before = structuredClone(charge);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    charge.refunds = { ...charge.refunds!, data: [refund, ...charge.refunds!.data] };
    ctx.emit('refund.created', refund);
    ctx.emit('charge.refunded', charge, before);
    return refund;
  }

  private chargeOf(input: { charge?: string; paymentIntent?: string }): Stripe.Charge {
    const { store } = this.ctx;
    if (input.charge) {
      const charge = store.charges.get(input.charge);
      if (!charge) throw missing('charge', input.charge, 'charge');
      return charge;
    }
    if (!input.paymentIntent) throw badParam('charge', 'One of `charge` or `payment_intent` is required.', 'parameter_missing');
    const intent = store.paymentIntents.get(input.paymentIntent);
    if (!intent) throw missing('payment_intent', input.paymentIntent, 'payment_intent');
    return store.charges.get(intent.latest_charge as string)!;
  }
}
