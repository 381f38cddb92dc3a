import type Stripe from 'stripe';

/** How `customers:link` matches Stripe customers to billables without one. */
export type LinkBy = 'metadata' | 'email';

/** Options of `WebhookOperations.linkCustomers`. */
export interface LinkCustomersOptions {
  /** `metadata`: the customer's `metadata.billable_id` (default); `email`: the billable's e-mail, case-insensitive. */
  by?: LinkBy;
  /** Write the links (default false: a dry run that only reports). */
  apply?: boolean;
  /** The billable's e-mail, for `by: 'email'`. Default: its `email` property. */
  emailOf?: (billable: Record<string, unknown>) => string | null | undefined;
}

/** One proposed (or, with `apply`, made) link, or why a billable was skipped. */
export interface CustomerLink {
  billableId: string;
  customerId: string;
}

/** Result of `linkCustomers`. */
export interface LinkCustomersResult {
  by: LinkBy;
  applied: boolean;
  /** Billables without a customer that were looked at. */
  candidates: number;
  links: CustomerLink[];
  /** Several customers matched one billable, or one customer matched several: left for a person to decide. */
  ambiguous: { billableId: string; customerIds: string[] }[];
  /** The matching customer already belongs to another billable. */
  taken: { billableId: string; customerId: string }[];
}

/** Indexes every (non-deleted) Stripe customer by `metadata.billable_id` and by lower-cased e-mail, one page of 100 per call. */
export async function indexStripeCustomers(stripe: Stripe): Promise<{ byBillable: Map<string, string[]>; byEmail: Map<string, string[]> }> {
  const byBillable = new Map<string, string[]>();
  const byEmail = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, key: string, id: string) => map.set(key, [...(map.get(key) ?? []), id]);
  let startingAfter: string | undefined;
  for (;;) {
    const page = await stripe.customers.list({ limit: 100, ...(startingAfter ? { starting_after: startingAfter } : {}) });
    for (const customer of page.data) {
      const billableId = customer.metadata?.billable_id;
      if (billableId) add(byBillable, billableId, customer.id);
      if (customer.email) add(byEmail, customer.email.trim().toLowerCase(), customer.id);
    }
    if (!page.has_more || page.data.length === 0) break;
    startingAfter = page.data[page.data.length - 1].id;
  }
  return { byBillable, byEmail };
}
