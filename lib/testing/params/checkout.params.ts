import { MAP, S, list, obj, ParamSchema } from './param-schema';

// What Stripe accepts, from the request types of the `stripe` SDK (generated from Stripe's OpenAPI spec v2596,
// the API reference's source), to the full depth: a correct call must never be refused.

/** `Checkout.SessionCreateParams` */
export const checkoutSessionCreate: ParamSchema = {
  adaptive_pricing: obj({ enabled: S }),
  after_expiration: obj({ recovery: obj({ allow_promotion_codes: S, enabled: S }) }),
  allow_promotion_codes: S, allowed_payment_method_types: S,
  automatic_tax: obj({ enabled: S, liability: obj({ account: S, type: S }) }), billing_address_collection: S,
  branding_settings: obj({
    background_color: S, border_style: S, button_color: S, display_name: S, font_family: S,
    icon: obj({ file: S, type: S, url: S }), logo: obj({ file: S, type: S, url: S }),
  }),
  cancel_url: S, client_reference_id: S,
  consent_collection: obj({ payment_method_reuse_agreement: obj({ position: S }), promotions: S, terms_of_service: S }),
  currency: S,
  custom_fields: list({
    dropdown: obj({ default_value: S, options: list({ label: S, value: S }) }), key: S,
    label: obj({ custom: S, type: S }),
    numeric: obj({ default_value: S, maximum_length: S, minimum_length: S }), optional: S,
    text: obj({ default_value: S, maximum_length: S, minimum_length: S }), type: S,
  }),
  custom_text: obj({
    after_submit: obj({ message: S }), shipping_address: obj({ message: S }), submit: obj({ message: S }),
    terms_of_service_acceptance: obj({ message: S }),
  }),
  customer: S, customer_account: S, customer_creation: S, customer_email: S,
  customer_update: obj({ address: S, name: S, shipping: S }),
  discounts: list({ coupon: S, promotion_code: S }), excluded_payment_method_types: S, expand: S,
  expires_at: S, integration_identifier: S,
  invoice_creation: obj({
    enabled: S,
    invoice_data: obj({
      account_tax_ids: S, custom_fields: list({ name: S, value: S }), description: S, footer: S,
      issuer: obj({ account: S, type: S }), metadata: MAP,
      rendering_options: obj({ amount_tax_display: S, template: S }),
    }),
  }),
  line_items: list({
    adjustable_quantity: obj({ enabled: S, maximum: S, minimum: S }), metadata: MAP, price: S,
    price_data: obj({
      currency: S, product: S,
      product_data: obj({
        description: S, images: S, metadata: MAP, name: S, tax_code: S,
        tax_details: obj({ performance_location: S, tax_code: S }), unit_label: S,
      }),
      recurring: obj({ interval: S, interval_count: S }), tax_behavior: S, unit_amount: S,
      unit_amount_decimal: S,
    }),
    quantity: S, tax_rates: S,
  }),
  locale: S, managed_payments: obj({ enabled: S }), metadata: MAP, mode: S,
  name_collection: obj({ business: obj({ enabled: S, optional: S }), individual: obj({ enabled: S, optional: S }) }),
  optional_items: list({ adjustable_quantity: obj({ enabled: S, maximum: S, minimum: S }), price: S, quantity: S }),
  origin_context: S,
  payment_intent_data: obj({
    application_fee_amount: S, capture_method: S, description: S, metadata: MAP, on_behalf_of: S,
    receipt_email: S, setup_future_usage: S,
    shipping: obj({
      address: obj({ city: S, country: S, line1: S, line2: S, postal_code: S, state: S }), carrier: S,
      name: S, phone: S, tracking_number: S,
    }),
    statement_descriptor: S, statement_descriptor_suffix: S,
    transfer_data: obj({ amount: S, destination: S }), transfer_group: S,
  }),
  payment_method_collection: S, payment_method_configuration: S,
  payment_method_data: obj({ allow_redisplay: S }),
  payment_method_options: obj({
    acss_debit: obj({
      currency: S,
      mandate_options: obj({
        custom_mandate_url: S, default_for: S, interval_description: S, payment_schedule: S,
        transaction_type: S,
      }),
      setup_future_usage: S, target_date: S, verification_method: S,
    }),
    affirm: obj({ capture_method: S, setup_future_usage: S }),
    afterpay_clearpay: obj({ capture_method: S, setup_future_usage: S }),
    alipay: obj({ setup_future_usage: S }), alma: obj({ capture_method: S }),
    amazon_pay: obj({ capture_method: S, setup_future_usage: S }),
    au_becs_debit: obj({ setup_future_usage: S, target_date: S }),
    bacs_debit: obj({ mandate_options: obj({ reference_prefix: S }), setup_future_usage: S, target_date: S }),
    bancontact: obj({ setup_future_usage: S }), billie: obj({ capture_method: S }),
    blik: obj({ mandate_options: obj({ expires_at: S }), setup_future_usage: S }),
    boleto: obj({ expires_after_days: S, setup_future_usage: S }),
    card: obj({
      capture_method: S, installments: obj({ enabled: S }), request_extended_authorization: S,
      request_incremental_authorization: S, request_multicapture: S, request_overcapture: S,
      request_three_d_secure: S, restrictions: obj({ brands_blocked: S, funding_types_blocked: S }),
      setup_future_usage: S, statement_descriptor_suffix_kana: S, statement_descriptor_suffix_kanji: S,
    }),
    cashapp: obj({ capture_method: S, setup_future_usage: S }), crypto: obj({ setup_future_usage: S }),
    customer_balance: obj({
      bank_transfer: obj({ eu_bank_transfer: obj({ country: S }), requested_address_types: S, type: S }),
      funding_type: S, setup_future_usage: S,
    }),
    demo_pay: obj({ setup_future_usage: S }), eps: obj({ setup_future_usage: S }),
    fpx: obj({ setup_future_usage: S }), giropay: obj({ setup_future_usage: S }),
    grabpay: obj({ setup_future_usage: S }), ideal: obj({ setup_future_usage: S }),
    kakao_pay: obj({ capture_method: S, setup_future_usage: S }),
    klarna: obj({
      capture_method: S, setup_future_usage: S,
      subscriptions: list({
        interval: S, interval_count: S, name: S, next_billing: obj({ amount: S, date: S }), reference: S,
      }),
    }),
    konbini: obj({ expires_after_days: S, setup_future_usage: S }),
    kr_card: obj({ capture_method: S, setup_future_usage: S }),
    link: obj({ capture_method: S, setup_future_usage: S }),
    mobilepay: obj({ capture_method: S, setup_future_usage: S }), multibanco: obj({ setup_future_usage: S }),
    naver_pay: obj({ capture_method: S, setup_future_usage: S }),
    oxxo: obj({ expires_after_days: S, setup_future_usage: S }),
    p24: obj({ setup_future_usage: S, tos_shown_and_accepted: S }), pay_by_bank: S,
    payco: obj({ capture_method: S, setup_future_usage: S }), paynow: obj({ setup_future_usage: S }),
    paypal: obj({
      capture_method: S, preferred_locale: S, reference: S, risk_correlation_id: S, setup_future_usage: S,
    }),
    payto: obj({
      mandate_options: obj({
        amount: S, amount_type: S, end_date: S, payment_schedule: S, payments_per_period: S, purpose: S,
        start_date: S,
      }),
      setup_future_usage: S,
    }),
    pix: obj({
      amount_includes_iof: S, expires_after_seconds: S,
      mandate_options: obj({
        amount: S, amount_includes_iof: S, amount_type: S, currency: S, end_date: S, payment_schedule: S,
        reference: S, start_date: S,
      }),
      setup_future_usage: S,
    }),
    revolut_pay: obj({ capture_method: S, setup_future_usage: S }),
    samsung_pay: obj({ capture_method: S, setup_future_usage: S }), satispay: obj({ capture_method: S }),
    scalapay: obj({ capture_method: S }),
    sepa_debit: obj({ mandate_options: obj({ reference_prefix: S }), setup_future_usage: S, target_date: S }),
    sequra: obj({ capture_method: S }), sofort: obj({ setup_future_usage: S }),
    sunbit: obj({ capture_method: S, setup_future_usage: S }), swish: obj({ reference: S }),
    twint: obj({ setup_future_usage: S }),
    upi: obj({
      mandate_options: obj({ amount: S, amount_type: S, description: S, end_date: S }), setup_future_usage: S,
    }),
    us_bank_account: obj({
      financial_connections: obj({ permissions: S, prefetch: S }), setup_future_usage: S, target_date: S,
      verification_method: S,
    }),
    wechat_pay: obj({ app_id: S, client: S, setup_future_usage: S }),
  }),
  permissions: obj({ update_shipping_details: S }), phone_number_collection: obj({ enabled: S }),
  redirect_on_completion: S, return_url: S,
  saved_payment_method_options: obj({ allow_redisplay_filters: S, payment_method_remove: S, payment_method_save: S }),
  setup_intent_data: obj({ description: S, metadata: MAP, on_behalf_of: S }),
  shipping_address_collection: obj({ allowed_countries: S }),
  shipping_options: list({
    shipping_rate: S,
    shipping_rate_data: obj({
      delivery_estimate: obj({ maximum: obj({ unit: S, value: S }), minimum: obj({ unit: S, value: S }) }),
      display_name: S, fixed_amount: obj({ amount: S, currency: S, currency_options: MAP }), metadata: MAP,
      tax_behavior: S, tax_code: S, type: S,
    }),
  }),
  submit_type: S,
  subscription_data: obj({
    application_fee_percent: S, billing_cycle_anchor: S,
    billing_cycle_anchor_config: obj({ day_of_month: S, hour: S, minute: S, month: S, second: S }),
    billing_mode: obj({ flexible: obj({ proration_discounts: S }), type: S }), default_tax_rates: S,
    description: S,
    invoice_settings: obj({
      account_tax_ids: S, custom_fields: list({ name: S, value: S }), description: S, footer: S,
      issuer: obj({ account: S, type: S }),
    }),
    metadata: MAP, on_behalf_of: S, pending_invoice_item_interval: obj({ interval: S, interval_count: S }),
    proration_behavior: S, transfer_data: obj({ amount_percent: S, destination: S }), trial_end: S,
    trial_period_days: S, trial_settings: obj({ end_behavior: obj({ missing_payment_method: S }) }),
  }),
  success_url: S, tax_id_collection: obj({ enabled: S, required: S }), ui_mode: S,
  wallet_options: obj({ link: obj({ display: S }) }),
};

/** `Checkout.SessionRetrieveParams` */
export const checkoutSessionRetrieve: ParamSchema = { expand: S };

/** `Checkout.SessionExpireParams` */
export const checkoutSessionExpire: ParamSchema = { expand: S };

/** `Checkout.SessionListLineItemsParams` */
export const checkoutSessionLineItems: ParamSchema = { ending_before: S, expand: S, limit: S, starting_after: S };

/** `Checkout.SessionListParams` */
export const checkoutSessionList: ParamSchema = {
  created: obj({ gt: S, gte: S, lt: S, lte: S }), customer: S, customer_account: S,
  customer_details: obj({ email: S }), ending_before: S, expand: S, limit: S, payment_intent: S,
  payment_link: S, starting_after: S, status: S, subscription: S,
};
