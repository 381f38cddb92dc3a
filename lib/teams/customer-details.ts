/** A postal address of the paying organisation, as Stripe stores it on the customer. */
export interface CustomerAddress {
  line1?: string;
  line2?: string;
  city?: string;
  state?: string;
  postal_code?: string;
  /** Two-letter ISO country code, e.g. 'DE'. */
  country?: string;
}

/** One tax id of the payer, e.g. `{ type: 'eu_vat', value: 'DE123456789' }`. */
export interface CustomerTaxId {
  /** Stripe's tax id type ('eu_vat', 'gb_vat', 'us_ein', ...). */
  type: string;
  value: string;
}

/** What the Stripe customer of a billable carries: the payer's billing e-mail, name and address. */
export interface CustomerDetails {
  /** Where Stripe sends receipts and invoices. */
  email?: string;
  /** The payer's name on invoices (an organisation's name). */
  name?: string;
  address?: CustomerAddress;
  /** The payer's tax ids, put on the customer at creation (Stripe's `tax_id_data`; `type` as Stripe names it, e.g. 'eu_vat'). */
  taxIds?: CustomerTaxId[];
  /** Extra metadata; `billable_id` is always the module's own and cannot be replaced. */
  metadata?: Record<string, string>;
}

/** The `customers.create` parameters for a billable: the hook's details over the row's e-mail, with our `billable_id`. */
export function customerCreateParams(billableId: string, details: CustomerDetails) {
  return {
    ...(details.email ? { email: details.email } : {}),
    ...(details.name ? { name: details.name } : {}),
    ...(details.address ? { address: details.address } : {}),
    ...(details.taxIds?.length ? { tax_id_data: details.taxIds.map(({ type, value }) => ({ type, value })) } : {}),
    metadata: { ...(details.metadata ?? {}), billable_id: billableId },
  };
}
