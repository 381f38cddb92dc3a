import { Provider, Type } from '@nestjs/common';
import { StripeCallBudgetGuard } from '../budget/stripe-call-budget.guard';
import { BillableSubscriptionService } from './billable-subscription.service';
import { BillingController } from './billing.controller';
import { BillingService } from './billing.service';
import { CheckoutStatusService } from './checkout-status.service';
import { CollectionPauseService } from './collection-pause.service';
import { CheckoutService } from './checkout.service';
import { InvoicesController } from './invoices.controller';
import { InvoicesService } from './invoices.service';
import { EnrolService } from './enrol.service';
import { JsonBodyGuard } from './json-body.guard';
import { PaymentRecoveryService } from './payment-recovery.service';
import { PlanChangeService } from './plan-change.service';
import { PlansCatalogueService } from './plans-catalogue.service';
import { PlansController } from './plans.controller';
import { StripeCustomersService } from './stripe-customers.service';
import { SubscriptionCancelService } from './subscription-cancel.service';
import { TrialFingerprints } from './trial-fingerprints.service';

/** Providers of the billing room, registered (and exported) by PaymentsModule. */
export const BILLING_PROVIDERS: Provider[] = [
  BillingService,
  PlansCatalogueService,
  StripeCustomersService,
  CheckoutService,
  CheckoutStatusService,
  BillableSubscriptionService,
  SubscriptionCancelService,
  PlanChangeService,
  InvoicesService,
  PaymentRecoveryService,
  EnrolService,
  JsonBodyGuard,
  StripeCallBudgetGuard,
  TrialFingerprints,
  CollectionPauseService,
];

/** Controllers of the billing room, served under the module's route path. */
export const BILLING_CONTROLLERS: Type<unknown>[] = [PlansController, BillingController, InvoicesController];
