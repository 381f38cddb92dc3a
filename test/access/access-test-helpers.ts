import { DataSource } from 'typeorm';
import { BillableStore } from '../../lib/persistence/billable-store';
import { BillingState } from '../../lib/persistence/billing-state';
import { PaymentsTransactions } from '../../lib/persistence/payments-transactions';
import { TestApp } from '../support/test-app';

const DAY = 86_400_000;

/** Whole-second dates, as Stripe sends them (MySQL DATETIME keeps no milliseconds). */
export const seconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);

/** An active `plan` subscription for a month around now. */
export function activeState(plan: string, patch: Partial<BillingState> = {}): Partial<BillingState> {
  const now = Date.now();
  return {
    stripeCustomerId: `cus_${Math.random().toString(36).slice(2, 12)}`,
    stripeSubscriptionId: `sub_${Math.random().toString(36).slice(2, 12)}`,
    plan, subscriptionStatus: 'active',
    currentPeriodStart: seconds(now - 5 * DAY), currentPeriodEnd: seconds(now + 25 * DAY),
    ...patch,
  };
}

/** Writes billing state the way the webhook sync does: row lock + BillableStore.writeState, in one transaction. */
export async function writeBillingState(app: TestApp, userId: number, patch: Partial<BillingState>): Promise<void> {
  const store = app.app.get(BillableStore);
  await app.app.get(PaymentsTransactions).run(async (tx) => {
    const billable = await store.lockById(tx, userId);
    if (!billable) throw new Error(`no user ${userId}`);
    await store.writeState(tx, billable, patch);
  });
}

/** Counts the SQL statements TypeORM sends (its logger sees every query whatever `logging` says). */
export function countQueries(dataSource: DataSource): { readonly count: number; readonly queries: string[]; reset(): void; stop(): void } {
  const logger = dataSource.logger;
  const original = logger.logQuery.bind(logger);
  const queries: string[] = [];
  logger.logQuery = (query, parameters, runner) => {
    queries.push(query);
    return original(query, parameters, runner);
  };
  return {
    get count() {
      return queries.length;
    },
    queries,
    reset: () => void queries.splice(0),
    stop: () => {
      logger.logQuery = original;
    },
  };
}
