import { MemberUsageEntity } from '../persistence/entities/member-usage.entity';
import { PaymentsTransactions } from '../persistence/payments-transactions';

/** One member's use of one metric in the current period. */
export interface MemberUsage {
  memberId: string;
  metric: string;
  used: number;
}

/**
 * Per-member attribution of committed uses (Lago's `user_id`): the organisation's counter stays
 * the limit; this records who spent it. Each add is one insert-or-ignore and one increment, so
 * concurrent uses on any instance never lose a unit.
 */
export class MemberUsageLedger {
  constructor(private readonly transactions: PaymentsTransactions) {}

  async add(billableId: string, metric: string, periodStart: Date, memberId: string, quantity: number): Promise<void> {
    const where = { billableId, metric, periodStart, memberId };
    await this.transactions.write((manager) => manager.createQueryBuilder().insert().into(MemberUsageEntity).values({ ...where, used: 0 }).orIgnore().updateEntity(false).execute());
    await this.transactions.write((manager) =>
      manager
        .createQueryBuilder()
        .update(MemberUsageEntity)
        .set({ used: () => 'used + :quantity' })
        .setParameter('quantity', quantity)
        .where('billable_id = :billableId AND metric = :metric AND period_start = :periodStart AND member_id = :memberId', where)
        .execute(),
    );
  }

  /** Every member's use in the period, by member then metric. */
  async list(billableId: string, periodStart: Date): Promise<MemberUsage[]> {
    const rows = await this.transactions.dataSource.getRepository(MemberUsageEntity).find({ where: { billableId, periodStart }, order: { memberId: 'ASC', metric: 'ASC' } });
    return rows.map((row) => ({ memberId: row.memberId, metric: row.metric, used: Number(row.used) }));
  }
}
