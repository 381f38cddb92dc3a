import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, In, IsNull, MoreThan } from 'typeorm';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { CreditBucketEntity } from '../persistence/entities/credit-bucket.entity';
import { CreditSpendEntity } from '../persistence/entities/credit-spend.entity';
import { UsageCounterEntity } from '../persistence/entities/usage-counter.entity';
import { PaymentsTransactions, PaymentsTx } from '../persistence/payments-transactions';
import { ProductCatalog } from '../products/product-catalog';

/** Units one use took from one purchased bucket. */
export interface CreditSpend {
  bucketId: number;
  quantity: number;
}

/** How a use was paid for: units of the period's allowance (the counter) and units of purchased buckets. */
export interface CreditSplit {
  allowance: number;
  spends: CreditSpend[];
}

/** One purchased bucket as `GET /balance` and `GET /usage` show it. */
export interface CreditBucketView {
  id: number;
  purchase: string;
  granted: number;
  remaining: number;
  expiresAt: Date | null;
  purchasedAt: Date;
}

/**
 * Purchased credits beside the plan's allowance. A use the allowance cannot hold is split, in one
 * transaction: what is left of the allowance first (the counter row locked), then purchased
 * buckets, oldest expiry first (never-expiring last), each row locked and decremented only while
 * it holds enough. SQLite runs the transaction alone (PaymentsTransactions' gate), so the same
 * steps are exact there too. Nothing changes when the units do not suffice.
 */
@Injectable()
export class CreditsLedger {
  constructor(
    private readonly transactions: PaymentsTransactions,
    private readonly products: ProductCatalog,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  /** True when some product sells units of this metric, so a use beyond the allowance may spend them. */
  sells(metric: string): boolean {
    return this.products.grantsMetric(metric);
  }

  /** Splits `quantity` over the rest of the allowance and the buckets, inside `tx`; null (nothing written) when they do not hold it. */
  async spend(tx: PaymentsTx, counterId: number, request: { billableId: string; metric: string; quantity: number; limit: number }): Promise<CreditSplit | null> {
    const { manager } = tx;
    const counter = await manager.getRepository(UsageCounterEntity).findOne({ where: { id: counterId }, select: { id: true, used: true }, ...tx.forUpdate });
    if (!counter) return null;
    const left = request.limit < 0 ? request.quantity : Math.max(0, request.limit - Number(counter.used));
    const allowance = Math.min(request.quantity, left);
    let need = request.quantity - allowance;
    const spends: CreditSpend[] = [];
    if (need > 0) {
      const buckets = await this.spendable(tx, request.billableId, request.metric);
      if (buckets.reduce((sum, b) => sum + b.remaining, 0) < need) return null;
      for (const bucket of buckets) {
        if (need === 0) break;
        const take = Math.min(need, bucket.remaining);
        if (take === 0) continue;
        spends.push({ bucketId: bucket.id, quantity: take });
        need -= take;
      }
    }
    if (allowance > 0) {
      const added = await manager
        .createQueryBuilder()
        .update(UsageCounterEntity)
        .set({ used: () => 'used + :allowance' })
        .setParameter('allowance', allowance)
        .where('id = :id', { id: counterId })
        .execute();
      if (added.affected !== 1) return null;
    }
    for (const spend of spends) {
      const taken = await manager
        .createQueryBuilder()
        .update(CreditBucketEntity)
        .set({ remaining: () => 'remaining - :take' })
        .setParameter('take', spend.quantity)
        .where('id = :id AND remaining >= :take', { id: spend.bucketId })
        .execute();
      // Locked above, so this holds; if a driver ever disagrees, the whole use rolls back.
      if (taken.affected !== 1) throw new Error(`CreditsLedger: bucket ${spend.bucketId} changed under its lock`);
    }
    return { allowance, spends };
  }

  /** Remembers a keyed use's spends (same transaction), so releasing its key gives them back. */
  async record(manager: EntityManager, recordId: number, spends: CreditSpend[]): Promise<void> {
    if (spends.length === 0) return;
    await manager.getRepository(CreditSpendEntity).insert(spends.map((s) => ({ recordId, bucketId: s.bucketId, quantity: s.quantity })));
  }

  /** The spends recorded for a keyed use, removed (so they are given back once). */
  async takeRecorded(manager: EntityManager, recordId: number): Promise<CreditSpend[]> {
    const rows = await manager.getRepository(CreditSpendEntity).find({ where: { recordId } });
    if (rows.length === 0) return [];
    await manager.getRepository(CreditSpendEntity).delete({ id: In(rows.map((r) => r.id)) });
    return rows.map((r) => ({ bucketId: r.bucketId, quantity: r.quantity }));
  }

  /** Gives spent units back to their buckets, never above what the purchase still grants (a refund may have taken some since). */
  async restore(manager: EntityManager, spends: CreditSpend[]): Promise<void> {
    for (const spend of spends) {
      await manager
        .createQueryBuilder()
        .update(CreditBucketEntity)
        .set({ remaining: () => 'CASE WHEN remaining + :back > granted - refunded_units THEN granted - refunded_units ELSE remaining + :back END' })
        .setParameter('back', spend.quantity)
        .where('id = :id', { id: spend.bucketId })
        .execute();
    }
  }

  /** Units spendable now of one metric. */
  async available(billableId: string, metric: string): Promise<number> {
    return (await this.buckets(billableId, metric)).reduce((sum, b) => sum + b.remaining, 0);
  }

  /** Unexpired buckets with units left, in spending order. */
  async buckets(billableId: string, metric: string, manager: EntityManager = this.transactions.dataSource.manager): Promise<CreditBucketView[]> {
    const now = this.options.now();
    const rows = await manager.getRepository(CreditBucketEntity).find({
      where: [
        { billableId, metric, remaining: MoreThan(0), expiresAt: IsNull() },
        { billableId, metric, remaining: MoreThan(0), expiresAt: MoreThan(now) },
      ],
    });
    return spendingOrder(rows).map((b) => ({ id: b.id, purchase: b.purchaseId, granted: b.granted, remaining: b.remaining, expiresAt: b.expiresAt, purchasedAt: b.createdAt }));
  }

  private async spendable(tx: PaymentsTx, billableId: string, metric: string): Promise<CreditBucketEntity[]> {
    const now = this.options.now();
    const rows = await tx.manager.getRepository(CreditBucketEntity).find({
      where: [
        { billableId, metric, remaining: MoreThan(0), expiresAt: IsNull() },
        { billableId, metric, remaining: MoreThan(0), expiresAt: MoreThan(now) },
      ],
      // Locked in id order, so two spenders never wait on each other crosswise.
      order: { id: 'ASC' },
      ...tx.forUpdate,
    });
    return spendingOrder(rows);
  }
}

/** Oldest expiry first, never-expiring last, then oldest purchase. */
function spendingOrder<T extends { id: number; expiresAt: Date | null; remaining: number }>(rows: T[]): T[] {
  const at = (b: T) => (b.expiresAt ? b.expiresAt.getTime() : Number.POSITIVE_INFINITY);
  return rows.map((r) => ({ ...r, remaining: Number(r.remaining) })).sort((a, b) => at(a) - at(b) || a.id - b.id);
}
