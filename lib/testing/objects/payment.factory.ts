import type Stripe from 'stripe';

/** A succeeded PaymentIntent with every key Stripe returns (shaped as the API reference's example). */
export function buildPaymentIntent(input: { id: string; created: number; amount: number; currency: string; customer: string | null; latestCharge: string; metadata: Record<string, string>; setupFutureUsage: string | null }): Stripe.PaymentIntent {
  const intent = {
    amount: input.amount, amount_capturable: 0, amount_details: { tip: {} }, amount_received: input.amount, application: null, application_fee_amount: null,
    automatic_payment_methods: null, canceled_at: null, cancellation_reason: null, capture_method: 'automatic', client_secret: `${input.id}_secret_fake`,
    confirmation_method: 'automatic', created: input.created, currency: input.currency, customer: input.customer, description: null, id: input.id,
    last_payment_error: null, latest_charge: input.latestCharge, livemode: false, metadata: input.metadata, next_action: null, object: 'payment_intent',
    on_behalf_of: null, payment_method: `pm_${input.id.slice(3)}`, payment_method_configuration_details: null, payment_method_options: {},
    payment_method_types: ['card'], processing: null, receipt_email: null, review: null, setup_future_usage: input.setupFutureUsage, shipping: null,
    statement_descriptor: null, statement_descriptor_suffix: null, status: 'succeeded', transfer_data: null, transfer_group: null, source: null,
    excluded_payment_method_types: null, customer_account: null, managed_payments: { enabled: false },
  };
  return intent as unknown as Stripe.PaymentIntent;
}

/** A captured card Charge (shaped as the API reference's example), its refunds listed under `refunds` as Stripe does when expanded. */
export function buildCharge(input: { id: string; created: number; amount: number; currency: string; customer: string | null; paymentIntent: string; metadata: Record<string, string> }): Stripe.Charge {
  const charge = {
    amount: input.amount, amount_captured: input.amount, amount_refunded: 0, application: null, application_fee: null, application_fee_amount: null,
    balance_transaction: `txn_${input.id.slice(3)}`,
    billing_details: { address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null }, email: null, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: 'FAKESTRIPE', captured: true, created: input.created, currency: input.currency, customer: input.customer, description: null,
    disputed: false, failure_balance_transaction: null, failure_code: null, failure_message: null, fraud_details: {}, id: input.id, livemode: false,
    metadata: input.metadata, object: 'charge', on_behalf_of: null,
    outcome: { advice_code: null, network_advice_code: null, network_decline_code: null, network_status: 'approved_by_network', reason: null, seller_message: 'Payment complete.', type: 'authorized' },
    paid: true, payment_intent: input.paymentIntent, payment_method: `pm_${input.paymentIntent.slice(3)}`,
    payment_method_details: {
      card: {
        amount_authorized: input.amount, brand: 'visa', checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' }, country: 'US',
        exp_month: 12, exp_year: 2034, extended_authorization: { status: 'disabled' }, fingerprint: 'FAKEfingerprint0', funding: 'credit',
        incremental_authorization: { status: 'unavailable' }, installments: null, last4: '4242', mandate: null, multicapture: { status: 'unavailable' },
        network: 'visa', network_token: { used: false }, overcapture: { maximum_amount_capturable: input.amount, status: 'unavailable' },
        three_d_secure: null, wallet: null, authorization_code: '123456', regulated_status: 'unregulated', network_transaction_id: '000000000000000',
        transaction_link_id: null,
      },
      type: 'card',
    },
    receipt_email: null, receipt_number: null, receipt_url: null, refunded: false,
    refunds: { data: [], has_more: false, object: 'list', url: `/v1/charges/${input.id}/refunds` },
    review: null, shipping: null, source_transfer: null, statement_descriptor: null, statement_descriptor_suffix: null, status: 'succeeded',
    transfer_data: null, transfer_group: null, source: null,
  };
  return charge as unknown as Stripe.Charge;
}

/** A succeeded card Refund (shaped as the API reference's example). */
export function buildRefund(input: { id: string; created: number; amount: number; currency: string; charge: string; paymentIntent: string; reason: string | null; metadata: Record<string, string> }): Stripe.Refund {
  const refund = {
    amount: input.amount, balance_transaction: `txn_${input.id.slice(3)}`, charge: input.charge, created: input.created, currency: input.currency,
    destination_details: { card: { type: 'refund' }, type: 'card' },
    id: input.id, metadata: input.metadata, object: 'refund', payment_intent: input.paymentIntent, reason: input.reason, receipt_number: null,
    source_transfer_reversal: null, status: 'succeeded', transfer_reversal: null, customer: null, customer_account: null, payment_method: null,
  };
  return refund as unknown as Stripe.Refund;
}
