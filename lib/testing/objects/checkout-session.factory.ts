import type Stripe from 'stripe';

export interface CheckoutSessionInput {
  id: string;
  created: number;
  expiresAt: number;
  mode: 'subscription' | 'payment' | 'setup';
  customer: string | null;
  customerEmail: string | null;
  clientReferenceId: string | null;
  successUrl: string | null;
  cancelUrl: string | null;
  /** Null unless `uiMode` is `hosted_page`: only a hosted session has a page to redirect to. */
  url: string | null;
  /** Default 'hosted_page'. */
  uiMode?: 'hosted_page' | 'embedded_page' | 'elements' | 'form';
  currency: string | null;
  amountSubtotal: number | null;
  amountTotal: number | null;
  metadata: Record<string, string>;
  customerCreation: 'always' | 'if_required' | null;
}

/** A checkout session in `open` state with every key Stripe returns. */
export function buildCheckoutSession(input: CheckoutSessionInput): Stripe.Checkout.Session {
  const session = {
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: input.amountSubtotal,
    amount_total: input.amountTotal,
    automatic_tax: { enabled: false, liability: null, status: null, provider: null },
    billing_address_collection: null,
    cancel_url: input.cancelUrl,
    client_reference_id: input.clientReferenceId,
    client_secret: null,
    consent: null,
    consent_collection: null,
    created: input.created,
    currency: input.currency,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: input.customer,
    customer_creation: input.customerCreation,
    customer_details: null,
    customer_email: input.customerEmail,
    expires_at: input.expiresAt,
    id: input.id,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: null,
    metadata: input.metadata,
    mode: input.mode,
    object: 'checkout.session',
    payment_intent: null,
    payment_link: null,
    payment_method_collection: input.mode === 'subscription' ? 'always' : null,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: input.successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: input.uiMode ?? 'hosted_page',
    url: input.url,
    adaptive_pricing: { enabled: false },
    discounts: [],
    collected_information: null,
    permissions: null,
    wallet_options: null,
    origin_context: null,
    currency_conversion: null,
    customer_account: null,
    integration_identifier: null,
    managed_payments: { enabled: false },
  };
  return session as unknown as Stripe.Checkout.Session;
}

/** `customer_details` as Stripe fills it once a person has paid. */
export function buildCustomerDetails(email: string | null, name: string | null): Stripe.Checkout.Session.CustomerDetails {
  const details = {
    address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
    email,
    name,
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
    business_name: null,
    individual_name: null,
  };
  return details as unknown as Stripe.Checkout.Session.CustomerDetails;
}
