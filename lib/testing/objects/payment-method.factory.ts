import type Stripe from 'stripe';

export interface PaymentMethodInput {
  id: string;
  created: number;
  customer: string | null;
  /** Stripe's card fingerprint: the same card number gives the same fingerprint on one account. */
  fingerprint: string;
  email: string | null;
  name: string | null;
}

/** A card payment method shaped like Stripe's (fixtures3.json); the fake's cards are all Visa 4242. */
export function buildCardPaymentMethod(input: PaymentMethodInput): Stripe.PaymentMethod {
  const paymentMethod = {
    allow_redisplay: 'unspecified',
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: input.email,
      name: input.name,
      phone: null,
      tax_id: null,
    },
    card: {
      brand: 'visa',
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'US',
      display_brand: 'visa',
      exp_month: 12,
      exp_year: 2034,
      fingerprint: input.fingerprint,
      funding: 'credit',
      generated_from: null,
      last4: '4242',
      networks: { available: ['visa'], preferred: null },
      three_d_secure_usage: { supported: true },
      wallet: null,
      regulated_status: 'unregulated',
    },
    created: input.created,
    customer: input.customer,
    id: input.id,
    livemode: false,
    metadata: {},
    object: 'payment_method',
    type: 'card',
    customer_account: null,
  };
  return paymentMethod as unknown as Stripe.PaymentMethod;
}
