// From the `stripe` SDK's types for the resources the fake serves (customers, subscriptions and their items and
// schedules, invoices and lines, prices, products, Checkout and portal sessions, meters, events, test clocks): fields
// that hold `id | object`, plus the optional top-level ones (Stripe's "includable" fields such as a customer's `tax`
// or a session's `line_items`). Errs on the side of accepting: a few optional plain fields are in it too.

/** Property names an `expand[]` path may end on; anything else answers "This property cannot be expanded". */
export const EXPANDABLE_FIELDS: ReadonlySet<string> = new Set([
  'account', 'additional_documentation', 'address', 'after_expiration', 'amount_paid_off_stripe', 'application',
  'application_fee', 'authorization', 'auto_advance', 'back', 'balance_transaction', 'branding_settings',
  'business_name', 'cancellation_policy', 'card', 'card_logo', 'card_statement', 'cardholder', 'cash_balance',
  'cash_receipt', 'charge', 'check_image', 'configuration', 'confirmation_secret', 'context', 'coupon',
  'credit_balance_transaction', 'credit_grant', 'currency', 'customer', 'customer_account', 'discounts',
  'customer_balance_transaction', 'customer_communication', 'customer_signature', 'customer_tax_ids',
  'default_payment_method', 'default_price', 'default_source', 'deleted', 'delinquent', 'destination',
  'destination_payment', 'destination_payment_refund', 'discount', 'dispute', 'duplicate_charge_documentation',
  'excluded_payment_method_types', 'failure_balance_transaction', 'feature', 'fee', 'feedback_option', 'file',
  'front', 'generated_sepa_debit', 'generated_sepa_debit_mandate', 'hosted_invoice_url', 'icon',
  'individual_name', 'invoice', 'invoice_credit_balance', 'invoice_pdf', 'invoice_prefix',
  'last_verification_report', 'latest_attempt', 'latest_charge', 'latest_invoice', 'latest_revision',
  'line_items', 'linked_transaction', 'location', 'logo', 'mandate', 'meter', 'name', 'name_collection',
  'next_invoice_sequence', 'on_behalf_of', 'optional_items', 'original_payout', 'originating_transaction',
  'ownership', 'payment_intent', 'payment_link', 'payment_method', 'payment_record', 'payments',
  'pending_setup_intent', 'personalization_design', 'phone', 'phone_number_collection', 'physical_bundle',
  'plan', 'preferred_locales', 'presentment_details', 'price', 'product', 'promotion_code', 'quote', 'receipt',
  'redirect_on_completion', 'refund', 'refund_policy', 'replaced_by', 'replacement_for', 'reserve_hold',
  'reserve_plan', 'return_url', 'reversed_by', 'review', 'schedule', 'service_documentation', 'setup_attempt',
  'setup_intent', 'shipping_documentation', 'shipping_rate', 'single_use_mandate', 'source', 'source_charge',
  'source_refund', 'source_transaction', 'source_transfer', 'source_transfer_reversal', 'sources',
  'statement_descriptor', 'status_details', 'subscription', 'subscription_schedule', 'subscriptions', 'tax',
  'tax_code', 'tax_exempt', 'tax_id_collection', 'tax_ids', 'test_clock', 'tiers', 'threshold_reason', 'token',
  'transaction', 'transfer', 'transfer_reversal', 'uncategorized_file', 'unit_label',
]);
