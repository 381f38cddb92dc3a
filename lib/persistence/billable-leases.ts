import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { BillableLeaseEntity } from './entities/billable-lease.entity';
import { KeyedMutex } from './keyed-mutex';
import { PaymentsTransactions } from './payments-transactions';

/** How one `hold` waits and how long its claim lasts. */
export interface LeaseTerms {
  /** How long a request waits for another holder to finish before `busy()` is thrown. */
  waitMs: number;
  /** How long the claim lasts if its holder never releases it (its instance died). */
  leaseMs: number;
  /** The error thrown when the wait is over (a 409 the caller can retry). */
  busy: () => Error;
}

/** Between two tries of a taken claim: short, with jitter so waiters on two instances do not collide in step. */
const POLL_MS = 40;

/**
 * Serializes work on one billable across instances without holding a transaction open: the claim
 * is a row taken with one conditional UPDATE (free, or expired) that commits at once; the work
 * (Stripe calls) runs with no connection held, and the claim is released after. Requests of the
 * same instance queue in-process first, so only other instances' holders are polled for.
 */
@Injectable()
export class BillableLeases {
  private readonly logger = new Logger('Payments:Persistence');
  private readonly local = new KeyedMutex();

  constructor(private readonly transactions: PaymentsTransactions) {}

  /** Runs `work` while holding the billable's `purpose` claim; `terms.busy()` when it stays taken past `waitMs`. */
  async hold<T>(billableId: string, purpose: string, terms: LeaseTerms, work: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + terms.waitMs;
    return this.local.run(`${purpose}:${billableId}`, async () => {
      const holder = randomUUID();
      await this.ensureRow(billableId, purpose);
      while (!(await this.tryClaim(billableId, purpose, holder, terms.leaseMs))) {
        if (Date.now() >= deadline) throw terms.busy();
        await new Promise((resolve) => setTimeout(resolve, POLL_MS + Math.floor(Math.random() * POLL_MS)));
      }
      try {
        return await work();
      } finally {
        await this.release(billableId, purpose, holder).catch((error: unknown) =>
          // The claim then expires on its own; the work's own outcome is what the caller needs.
          this.logger.warn(`lease ${purpose} of billable ${billableId} not released (${(error as { code?: string }).code ?? 'error'}); it expires in ${terms.leaseMs} ms`),
        );
      }
    });
  }

  private async ensureRow(billableId: string, purpose: string): Promise<void> {
    await this.transactions.write((manager) =>
      manager.createQueryBuilder().insert().into(BillableLeaseEntity).values({ billableId, purpose, holder: null, expiresAt: new Date(0) }).orIgnore().execute(),
    );
  }

  private async tryClaim(billableId: string, purpose: string, holder: string, leaseMs: number): Promise<boolean> {
    const now = new Date();
    const result = await this.transactions.write((manager) =>
      manager
        .createQueryBuilder()
        .update(BillableLeaseEntity)
        .set({ holder, expiresAt: new Date(now.getTime() + leaseMs) })
        .where('billable_id = :billableId AND purpose = :purpose AND (holder IS NULL OR expires_at < :now)', { billableId, purpose, now })
        .execute(),
    );
    return result.affected === 1;
  }

  private async release(billableId: string, purpose: string, holder: string): Promise<void> {
    await this.transactions.write((manager) =>
      manager
        .createQueryBuilder()
        .update(BillableLeaseEntity)
        .set({ holder: null, expiresAt: new Date(0) })
        .where('billable_id = :billableId AND purpose = :purpose AND holder = :holder', { billableId, purpose, holder })
        .execute(),
    );
  }
}

/** Stripe calls a leased piece of work makes at most (checkout: customer, trial lookups, lists, expire, create). */
const CALLS_PER_LEASE = 10;

/**
 * Terms for work that makes a few Stripe calls: a waiter waits about as long as one Stripe call
 * may take (what a user already waits for); a claim whose holder died is free once even the
 * slowest live holder (every call timing out and retried by the SDK) would have finished.
 */
export function stripeWorkTerms(stripe: { stripeTimeoutMs: number; stripeMaxNetworkRetries: number }, busy: () => Error): LeaseTerms {
  const slowestCall = stripe.stripeTimeoutMs * (stripe.stripeMaxNetworkRetries + 1);
  return { waitMs: Math.max(stripe.stripeTimeoutMs, 2_000), leaseMs: Math.max(CALLS_PER_LEASE * slowestCall, 60_000), busy };
}
