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

/** What the Stripe customer of a billable carries: the payer's billing e-mail, name and address. */
export interface CustomerDetails {
  /** Where Stripe sends receipts and invoices. */
  email?: string;
  /** The payer's name on invoices (an organisation's name). */
  name?: string;
  address?: CustomerAddress;
  /** Extra metadata; `billable_id` is always the module's own and cannot be replaced. */
  metadata?: Record<string, string>;
}

/** The `customers.create` parameters for a billable: the hook's details over the row's e-mail, with our `billable_id`. */
export function customerCreateParams(billableId: string, details: CustomerDetails) {
  return {
    ...(details.email ? { email: details.email } : {}),
    ...(details.name ? { name: details.name } : {}),
    ...(details.address ? { address: details.address } : {}),
    metadata: { ...(details.metadata ?? {}), billable_id: billableId },
  };
}
