import { Injectable } from '@nestjs/common';
import { Not, IsNull } from 'typeorm';
import { SeatAccountEntity } from '../persistence/entities/seat-account.entity';
import { SeatMemberEntity } from '../persistence/entities/seat-member.entity';
import { PaymentsTransactions } from '../persistence/payments-transactions';
import { PlanCatalog } from '../plans/plan-catalog';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { seatItemOf } from './seat-items';

/** One billable whose seats differ between the database and Stripe. */
export interface SeatDrift {
  billableId: string;
  subscriptionId: string;
  /** Seats stored (what the billable asked for). */
  purchased: number;
  /** The seat item's quantity at Stripe; null when the subscription has no seat item. */
  stripe: number | null;
  /** Members holding seats. */
  used: number;
  /** True while a local change waits in the queue: the difference is expected to close by itself. */
  pending: boolean;
}

/** What `seats:check` found. */
export interface SeatDriftReport {
  checked: number;
  /** Differences with no change pending: these need a look. */
  drifted: number;
  differences: SeatDrift[];
  /** Subscriptions Stripe could not be asked about (no raw Stripe text). */
  failed: { billableId: string; subscriptionId: string; error: string }[];
}

/** Seat operations for the CLI (`seats:check`) and admin code: compares stored seats with Stripe quantities, writing nothing. */
@Injectable()
export class SeatOperations {
  constructor(
    private readonly transactions: PaymentsTransactions,
    private readonly catalog: PlanCatalog,
    private readonly gateway: StripeGateway,
  ) {}

  /** Every seat account with a subscription, compared with Stripe; one Stripe read per account, no transaction open. */
  async checkDrift(): Promise<SeatDriftReport> {
    const manager = this.transactions.dataSource.manager;
    const accounts = await manager.getRepository(SeatAccountEntity).find({ where: { subscriptionId: Not(IsNull()) }, order: { billableId: 'ASC' } });
    const report: SeatDriftReport = { checked: 0, drifted: 0, differences: [], failed: [] };
    for (const account of accounts) {
      const subscriptionId = account.subscriptionId as string;
      let stripe: number | null;
      try {
        const sub = await this.gateway.call('subscriptions.retrieve', (s) => s.subscriptions.retrieve(subscriptionId));
        stripe = seatItemOf(this.catalog, sub)?.item.quantity ?? null;
      } catch (error) {
        report.failed.push({ billableId: account.billableId, subscriptionId, error: (error as { code?: string })?.code ?? 'stripe_error' });
        continue;
      }
      report.checked++;
      if (stripe === account.purchased) continue;
      const pending = account.seq !== account.syncedSeq;
      const used = await manager.getRepository(SeatMemberEntity).count({ where: { billableId: account.billableId } });
      report.differences.push({ billableId: account.billableId, subscriptionId, purchased: account.purchased, stripe, used, pending });
      if (!pending) report.drifted++;
    }
    return report;
  }
}
