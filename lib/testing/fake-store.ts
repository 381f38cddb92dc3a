import type Stripe from 'stripe';
import { TestCard } from './fake-stripe.types';
import type { FakeTestClock } from './routes/test-clocks.routes';

export interface SessionExtras {
  lines: { price: string; quantity: number }[];
  trialPeriodDays?: number;
  trialEnd?: number;
  subscriptionMetadata: Record<string, string>;
  customerEmail: string | null;
  /** Error shown on the hosted page after a failed attempt. */
  lastError?: string;
  /** The subscription's billing mode, fixed when the session is created (from its request's version). */
  billingMode?: 'classic' | 'flexible';
  /** Payment mode: `payment_intent_data[metadata]` and `[setup_future_usage]`. */
  paymentIntentMetadata?: Record<string, string>;
  setupFutureUsage?: string | null;
  /** Payment mode with `invoice_creation[enabled]`: what the post-payment invoice carries. */
  invoiceCreation?: { metadata: Record<string, string>; description: string | null };
}

export interface SubscriptionExtras {
  trialWillEndSent: boolean;
  /** Proration lines waiting for the next renewal invoice. */
  pendingProrations: { amount: number; description: string; priceId: string; itemId: string; quantity: number }[];
}

export interface InvoiceExtras {
  failures: number;
  firstFailedAt?: number;
  /** Items to apply when this invoice is paid (payment_behavior=pending_if_incomplete). */
  pendingItems?: { id: string; price: string; quantity: number }[];
}

export interface MeterEventRecord {
  event_name: string;
  identifier: string;
  customer: string;
  value: number;
  timestamp: number;
  /** When the fake accepted it (the identifier dedupe window runs from here). */
  created: number;
}

/** All objects the fake knows; plain maps so tests can read them as the oracle. */
export class FakeStore {
  readonly customers = new Map<string, Stripe.Customer>();
  /** Customers' tax ids (`txi_...`), shown on a customer only when `tax_ids` is expanded, as at Stripe. */
  readonly taxIds = new Map<string, Stripe.TaxId>();
  readonly deletedCustomers = new Set<string>();
  readonly products = new Map<string, Stripe.Product>();
  readonly prices = new Map<string, Stripe.Price>();
  readonly checkoutSessions = new Map<string, Stripe.Checkout.Session>();
  readonly sessionExtras = new Map<string, SessionExtras>();
  readonly subscriptions = new Map<string, Stripe.Subscription>();
  readonly subscriptionExtras = new Map<string, SubscriptionExtras>();
  readonly subscriptionSchedules = new Map<string, Stripe.SubscriptionSchedule>();
  readonly invoices = new Map<string, Stripe.Invoice>();
  readonly invoiceExtras = new Map<string, InvoiceExtras>();
  readonly portalSessions = new Map<string, Stripe.BillingPortal.Session>();
  readonly coupons = new Map<string, Stripe.Coupon>();
  readonly promotionCodes = new Map<string, Stripe.PromotionCode>();
  /** Discounts applied to subscriptions (`di_...`), from coupons and promotion codes. */
  readonly discounts = new Map<string, Stripe.Discount>();
  readonly meters = new Map<string, Stripe.Billing.Meter>();
  /** Accepted meter events by an internal id (an identifier may come back after its dedupe window). */
  readonly meterEvents = new Map<string, MeterEventRecord>();
  /** Latest acceptance time of each meter event identifier. */
  readonly meterIdentifiers = new Map<string, number>();
  readonly cards = new Map<string, TestCard>();
  /** Card payment methods made by Checkout payments (`pm_...`). */
  readonly paymentMethods = new Map<string, Stripe.PaymentMethod>();
  readonly paymentIntents = new Map<string, Stripe.PaymentIntent>();
  readonly charges = new Map<string, Stripe.Charge>();
  readonly refunds = new Map<string, Stripe.Refund>();
  /** Test clocks with their offset from the fake's time (`frozen_time = now + offset`). */
  readonly testClocks = new Map<string, { object: FakeTestClock; offset: number }>();
  readonly events: Stripe.Event[] = [];

  customer(id: string): Stripe.Customer | undefined {
    return this.customers.get(id);
  }

  subExtras(id: string): SubscriptionExtras {
    let extras = this.subscriptionExtras.get(id);
    if (!extras) {
      extras = { trialWillEndSent: false, pendingProrations: [] };
      this.subscriptionExtras.set(id, extras);
    }
    return extras;
  }

  invExtras(id: string): InvoiceExtras {
    let extras = this.invoiceExtras.get(id);
    if (!extras) {
      extras = { failures: 0 };
      this.invoiceExtras.set(id, extras);
    }
    return extras;
  }
}
