import type Stripe from 'stripe';

export interface CustomerInput {
  id: string;
  created: number;
  email?: string | null;
  name?: string | null;
  phone?: string | null;
  description?: string | null;
  metadata?: Record<string, string>;
  testClock?: string | null;
}

const emptyAddress = () => ({ city: null, country: null, line1: null, line2: null, postal_code: null, state: null });

/** A customer with every key Stripe returns; fields the fake does not model are null or empty. */
export function buildCustomer(input: CustomerInput): Stripe.Customer {
  const customer = {
    address: emptyAddress(),
    balance: 0,
    created: input.created,
    currency: null,
    default_source: null,
    delinquent: false,
    description: input.description ?? null,
    discount: null,
    email: input.email ?? null,
    id: input.id,
    invoice_prefix: input.id.slice(4, 11).toUpperCase(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: input.metadata ?? {},
    name: input.name ?? null,
    next_invoice_sequence: 1,
    object: 'customer',
    phone: input.phone ?? null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: input.testClock ?? null,
  };
  return customer as unknown as Stripe.Customer;
}

export function buildDeletedCustomer(id: string): Stripe.DeletedCustomer {
  return { id, object: 'customer', deleted: true };
}

/** A customer's tax id as Stripe returns it; the country is read off an EU VAT number's prefix. */
export function buildTaxId(id: string, customer: string, created: number, type: string, value: string): Stripe.TaxId {
  const country = type === 'eu_vat' && /^[A-Z]{2}/.test(value) ? value.slice(0, 2).replace('EL', 'GR') : null;
  return {
    country, created, customer, id, livemode: false, object: 'tax_id',
    owner: { customer, type: 'customer', customer_account: null },
    type, value, verification: { status: 'pending', verified_address: null, verified_name: null }, customer_account: null,
  } as unknown as Stripe.TaxId;
}
