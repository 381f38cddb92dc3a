import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { BillingEvent, OnBillingEvent, OnStripeEvent, WebhookHandlerContext } from '../../../lib';
import { TestUser } from '../../support/test-user.entity';

/** An app provider with decorated handlers: records what it saw and can be told to fail or write. */
@Injectable()
export class RecordingHandlers {
  readonly stripeEvents: Stripe.Event[] = [];
  readonly billingEvents: BillingEvent[] = [];
  /** Throw on the next N calls of onInvoicePaid. */
  failInvoicePaid = 0;
  /** Run inside the next invoice.paid handler, with the transaction's manager. */
  duringInvoicePaid?: (ctx: WebhookHandlerContext, event: Stripe.Event) => Promise<void>;
  /** Run inside every invoice.paid handler while set (e.g. to watch concurrency). */
  duringEach?: () => Promise<void>;

  @OnStripeEvent('invoice.paid')
  async onInvoicePaid(event: Stripe.Event, ctx: WebhookHandlerContext): Promise<void> {
    // A write through the transaction's manager: it must vanish if the attempt fails.
    const invoice = event.data.object as Stripe.Invoice;
    await ctx.manager.getRepository(TestUser).update({ stripeCustomerId: invoice.customer as string }, { email: `paid-${event.id}@example.test` });
    if (this.duringInvoicePaid) {
      const during = this.duringInvoicePaid;
      this.duringInvoicePaid = undefined;
      await during(ctx, event);
    }
    if (this.duringEach) await this.duringEach();
    if (this.failInvoicePaid > 0) {
      this.failInvoicePaid--;
      throw new Error('handler failed on purpose');
    }
    this.stripeEvents.push(event);
  }

  @OnStripeEvent('*')
  onAny(event: Stripe.Event): void {
    if (event.type !== 'invoice.paid') this.stripeEvents.push(event);
  }

  @OnBillingEvent('*')
  onBilling(event: BillingEvent): void {
    this.billingEvents.push(event);
  }

  types(billableId: string): string[] {
    return this.billingEvents.filter((e) => e.billableId === billableId).map((e) => e.type);
  }
}
