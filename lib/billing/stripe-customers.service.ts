import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { PaymentsException } from '../common/payments.exception';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { Billable, BillableStore } from '../persistence/billable-store';
import { BillableLeases, stripeWorkTerms } from '../persistence/billable-leases';
import { PaymentsTransactions } from '../persistence/payments-transactions';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { customerCreateParams, CustomerDetails } from '../teams/customer-details';

/**
 * One Stripe customer per billable, even under concurrent first requests on several instances:
 * the billable's 'customer' lease (a committed claim, no transaction open) serializes creators, a
 * request that waited re-reads the row and finds the customer, and the create's idempotency key
 * makes a retry after a lost answer get the same customer back.
 */
@Injectable()
export class StripeCustomersService {
  private readonly logger = new Logger('Payments:Billing');

  constructor(
    private readonly store: BillableStore,
    private readonly transactions: PaymentsTransactions,
    private readonly leases: BillableLeases,
    private readonly gateway: StripeGateway,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  /**
   * The billable with a Stripe customer, creating the customer at Stripe the first time with the
   * payer's details: `given` (enrol's), else the `customerDetails` hook's, else the row's `email`.
   */
  async ensureCustomer(billableId: string, given?: CustomerDetails): Promise<Billable & { stripeCustomerId: string }> {
    const known = await this.store.findById(billableId);
    if (!known) throw billableNotFound();
    if (known.stripeCustomerId) return known as Billable & { stripeCustomerId: string };
    // Asked before the lease is taken: the app's hook may read its own tables (or be slow).
    const details = await this.detailsOf(known, given);
    return this.leases.hold(billableId, 'customer', stripeWorkTerms(this.options, customerInProgress), async () => {
      const billable = await this.store.findById(billableId);
      if (!billable) throw billableNotFound();
      if (billable.stripeCustomerId) return billable as Billable & { stripeCustomerId: string };
      const id = this.store.idOf(billable);
      const customer = await this.gateway.call('customers.create', (s) =>
        s.customers.create(customerCreateParams(id, details), { idempotencyKey: customerIdempotencyKey(id, details.email) }),
      );
      return this.link(billableId, customer.id);
    });
  }

  /** Writes the new customer onto the billable in a short transaction of its own (no Stripe call in it). */
  private link(billableId: string, customerId: string): Promise<Billable & { stripeCustomerId: string }> {
    return this.transactions.run(async (tx) => {
      const billable = await this.store.lockById(tx, billableId);
      if (!billable) throw billableNotFound();
      if (billable.stripeCustomerId) {
        // Linked meanwhile by something that takes no lease (customers:link, a webhook): that one stays.
        if (billable.stripeCustomerId !== customerId) this.logger.warn(`customer ${customerId} created for billable ${billableId} is unused: it was linked to ${billable.stripeCustomerId} meanwhile`);
        return billable as Billable & { stripeCustomerId: string };
      }
      await this.store.writeState(tx, billable, { stripeCustomerId: customerId });
      this.logger.log(`customer ${customerId} created for billable ${billableId}`);
      return billable as Billable & { stripeCustomerId: string };
    });
  }

  private async detailsOf(billable: Billable, given?: CustomerDetails): Promise<CustomerDetails> {
    const hooked = this.options.customerDetails ? ((await this.options.customerDetails(this.store.idOf(billable))) ?? {}) : {};
    const merged: CustomerDetails = { ...hooked, ...definedOnly(given ?? {}) };
    if (merged.email === undefined && typeof billable.email === 'string') merged.email = billable.email;
    return merged;
  }
}

function definedOnly(details: CustomerDetails): CustomerDetails {
  return Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined && value !== null && value !== ''));
}

/**
 * A key that does not depend on time: if Stripe created the customer but the answer was lost, any
 * later retry (within Stripe's 24 h key memory) gets the same customer back, never a second one.
 * The email is part of it so two databases sharing one Stripe account (dev and staging in test
 * mode) do not hand user 1 of one the customer of user 1 of the other.
 */
export function customerIdempotencyKey(billableId: string, email?: string): string {
  return `nhp-customer.create-${createHash('sha256').update(JSON.stringify(['customer', billableId, email ?? null])).digest('hex').slice(0, 40)}`;
}

/** The caller is authenticated but has no billable row. */
export function billableNotFound(): PaymentsException {
  return new PaymentsException(404, 'billable_not_found', 'No billing account was found for the signed-in user.');
}

/** Another request of this billable is creating its Stripe customer and did not finish in time. */
export function customerInProgress(): PaymentsException {
  return new PaymentsException(409, 'customer_in_progress', 'Your billing account is being set up by another request; try again in a moment.');
}
