import { PastDuePolicy } from '../payments.options';
import { PlanCatalog } from '../plans/plan-catalog';

/** What entity methods need but cannot inject: set by PaymentsModule when it starts. */
export interface BillingContext {
  catalog: PlanCatalog;
  pastDue: Required<PastDuePolicy>;
}

let current: BillingContext | undefined;

/** Installs the catalogue and policy the entity methods use (done by PaymentsModule). */
export function setBillingContext(context: BillingContext): void {
  current = context;
}

/** The active context; entity methods need PaymentsModule to have started. */
export function billingContext(): BillingContext {
  if (!current) {
    throw new Error('nestjs-headless-payments: billing methods on the entity need PaymentsModule to be initialised first (import PaymentsModule.forRoot in your AppModule).');
  }
  return current;
}
