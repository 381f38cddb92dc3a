import { Inject, Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { EntityManager, In } from 'typeorm';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { Billable, BillableStore } from '../persistence/billable-store';
import { CreditBucketEntity } from '../persistence/entities/credit-bucket.entity';
import { CreditPurchaseEntity } from '../persistence/entities/credit-purchase.entity';
import { CreditRefundEntity } from '../persistence/entities/credit-refund.entity';
import { PaymentsTransactions, PaymentsTx } from '../persistence/payments-transactions';
import { ownBillableId } from '../webhooks/sync/billing-sync.service';
import { refId } from '../webhooks/sync/subscription-state.mapper';
import { ProductCatalog } from './product-catalog';
import { CatalogProduct } from './product.types';

const DAY_MS = 86_400_000;

/**
 * Grants and takes back one-time purchases. A paid payment-mode session of ours is granted once:
 * its purchase row (keyed by the session id) and its buckets are inserted in one transaction, and
 * a second writer (the webhook racing the status call, a redelivery, another instance) finds the
 * key taken and adds nothing. Each refund is applied once the same way (keyed by the refund id).
 * Every method here runs inside the caller's transaction and makes no Stripe call.
 */
@Injectable()
export class ProductGrants {
  private readonly logger = new Logger('Payments:Products');

  constructor(
    private readonly products: ProductCatalog,
    private readonly store: BillableStore,
    private readonly transactions: PaymentsTransactions,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  /** Grants a fetched session in its own transaction (the status call's way); the purchase, or null when nothing is due. */
  grantSession(session: Stripe.Checkout.Session): Promise<CreditPurchaseEntity | null> {
    return this.transactions.run((tx) => this.applySession(tx, session));
  }

  /** Grants a fetched session once, inside `tx`; null when it is not a paid product checkout of ours. */
  async applySession(tx: PaymentsTx, session: Stripe.Checkout.Session): Promise<CreditPurchaseEntity | null> {
    if (session.mode !== 'payment' || session.status !== 'complete' || session.payment_status !== 'paid') return null;
    const billableId = ownBillableId(session);
    const product = this.products.get(session.metadata?.product);
    const quantity = Number(session.metadata?.quantity ?? '1');
    if (!billableId || !product || session.metadata?.price !== product.priceId || !Number.isSafeInteger(quantity) || quantity < 1) {
      this.logger.log(`Checkout session ${session.id} is not a product checkout of this module; nothing granted.`);
      return null;
    }
    const billable = await this.store.lockById(tx, billableId);
    if (!billable) {
      this.logger.warn(`Checkout session ${session.id} names billable ${billableId}, which does not exist; nothing granted.`);
      return null;
    }
    return this.grant(tx, billable, product, {
      id: session.id, quantity, paymentIntent: refId(session.payment_intent), amount: session.amount_total ?? 0, currency: session.currency ?? this.options.currency,
    });
  }

  /** Inserts the purchase (its id is the key) and its buckets once; the existing purchase when already granted. */
  private async grant(
    tx: PaymentsTx,
    billable: Billable,
    product: CatalogProduct,
    paid: { id: string; quantity: number; paymentIntent: string | null; amount: number; currency: string },
  ): Promise<CreditPurchaseEntity | null> {
    const billableId = this.store.idOf(billable);
    const { quantity } = paid;
    const now = this.options.now();
    const purchase: CreditPurchaseEntity = {
      id: paid.id, billableId, product: product.key, quantity, plan: product.grantsPlan, paymentIntent: paid.paymentIntent,
      amountPaid: paid.amount, currency: paid.currency, refundedAmount: 0, status: 'paid', createdAt: now,
    };
    // The key is taken by a writer that may have committed after this transaction's first read: on
    // MariaDB/MySQL (REPEATABLE READ) a plain read would see the snapshot, without it; a locking read sees it.
    if (!(await insertOnce(tx.manager, CreditPurchaseEntity, purchase))) {
      return tx.manager.getRepository(CreditPurchaseEntity).findOne({ where: { id: paid.id }, ...tx.forUpdate });
    }
    const expiresAt = product.expiresInDays === null ? null : new Date(now.getTime() + product.expiresInDays * DAY_MS);
    const buckets = Object.entries(product.grants).map(([metric, units]) => ({
      billableId, metric, purchaseId: paid.id, granted: units * quantity, remaining: units * quantity, refundedUnits: 0, expiresAt, createdAt: now,
    }));
    if (buckets.length > 0) await tx.manager.getRepository(CreditBucketEntity).insert(buckets);
    // A plan for life changes what the guards allow: bump the billable so every cache drops it.
    if (product.grantsPlan) await this.store.writeState(tx, billable, {});
    this.logger.log(`Purchase ${paid.id} granted to billable ${billableId} (${product.key} x${quantity})`);
    return purchase;
  }

  /**
   * Grants an off-session purchase (an auto top-up) once, keyed by its PaymentIntent id, inside `tx`;
   * only a succeeded intent made by this module for a customer the named billable owns.
   */
  async applyPaymentIntent(tx: PaymentsTx, intent: Stripe.PaymentIntent): Promise<CreditPurchaseEntity | null> {
    const billableId = intent.metadata?.billable_id;
    const product = this.products.get(intent.metadata?.product);
    if (intent.status !== 'succeeded' || !intent.metadata?.auto_top_up || !billableId || !product) return null;
    const billable = await this.store.lockById(tx, billableId);
    if (!billable || billable.stripeCustomerId !== refId(intent.customer)) {
      this.logger.warn(`PaymentIntent ${intent.id} names billable ${billableId}, which does not own its customer; nothing granted.`);
      return null;
    }
    return this.grant(tx, billable, product, { id: intent.id, quantity: 1, paymentIntent: intent.id, amount: intent.amount, currency: intent.currency });
  }

  /** The purchase paid by a payment intent, if granted. */
  async purchaseOfPaymentIntent(manager: EntityManager, paymentIntent: string): Promise<CreditPurchaseEntity | null> {
    return manager.getRepository(CreditPurchaseEntity).findOne({ where: { paymentIntent } });
  }

  /**
   * Applies each succeeded refund of a fetched charge once: the purchase's buckets lose their share
   * (`granted × refunded ÷ paid`, all of it once refunded in full), taken from what is left and
   * never below zero; a plan for life ends with a full refund. Returns the refunds applied now.
   */
  async applyRefunds(tx: PaymentsTx, purchaseId: string, refunds: readonly Stripe.Refund[]): Promise<number> {
    const purchase = await tx.manager.getRepository(CreditPurchaseEntity).findOne({ where: { id: purchaseId }, ...tx.forUpdate });
    if (!purchase) return 0;
    let applied = 0;
    for (const refund of refunds) {
      if (refund.status !== 'succeeded' || !(refund.amount > 0)) continue;
      const claimed = await insertOnce(tx.manager, CreditRefundEntity, { id: refund.id, purchaseId, amount: refund.amount, unitsTaken: 0, createdAt: this.options.now() });
      if (!claimed) continue;
      applied++;
      const refunded = Math.min(purchase.amountPaid, Number(purchase.refundedAmount) + refund.amount);
      const taken = await this.takeBack(tx, purchase, refunded);
      await tx.manager.getRepository(CreditRefundEntity).update({ id: refund.id }, { unitsTaken: taken });
      const full = purchase.amountPaid === 0 || refunded >= purchase.amountPaid;
      const lostPlan = full && purchase.plan !== null;
      await tx.manager.getRepository(CreditPurchaseEntity).update({ id: purchaseId }, { refundedAmount: refunded, status: full ? 'refunded' : 'partially_refunded', ...(lostPlan ? { plan: null } : {}) });
      Object.assign(purchase, { refundedAmount: refunded, ...(lostPlan ? { plan: null } : {}) });
      if (lostPlan) {
        const billable = await this.store.lockById(tx, purchase.billableId);
        if (billable) await this.store.writeState(tx, billable, {});
      }
      this.logger.log(`Refund ${refund.id} applied to purchase ${purchaseId}: ${taken} units taken back`);
    }
    return applied;
  }

  /** Takes each bucket down to its share after `refunded` of the purchase's amount is refunded. */
  private async takeBack(tx: PaymentsTx, purchase: CreditPurchaseEntity, refunded: number): Promise<number> {
    const buckets = await tx.manager.getRepository(CreditBucketEntity).find({ where: { purchaseId: purchase.id }, order: { id: 'ASC' }, ...tx.forUpdate });
    let total = 0;
    for (const bucket of buckets) {
      const granted = Number(bucket.granted);
      const due = purchase.amountPaid === 0 || refunded >= purchase.amountPaid ? granted : Math.floor((granted * refunded) / purchase.amountPaid);
      const delta = Math.max(0, due - Number(bucket.refundedUnits));
      if (delta === 0) continue;
      const take = Math.min(delta, Number(bucket.remaining));
      await tx.manager
        .getRepository(CreditBucketEntity)
        .update({ id: bucket.id }, { remaining: Number(bucket.remaining) - take, refundedUnits: Number(bucket.refundedUnits) + delta });
      total += take;
    }
    return total;
  }

  /** A granted purchase by its session id. */
  purchase(manager: EntityManager, id: string): Promise<CreditPurchaseEntity | null> {
    return manager.getRepository(CreditPurchaseEntity).findOne({ where: { id } });
  }

  /** The plans held for life by a billable (purchases not refunded in full). */
  async lifetimePlans(billableId: string, manager: EntityManager = this.transactions.dataSource.manager): Promise<string[]> {
    if (!this.products.grantsPlans()) return [];
    const rows = await manager.getRepository(CreditPurchaseEntity).find({ where: { billableId, product: In(this.products.list().filter((p) => p.grantsPlan).map((p) => p.key)) } });
    return rows.map((row) => row.plan).filter((plan): plan is string => plan !== null);
  }
}

/** Inserts a row unless its key exists; true when this call inserted it (the structured result gives affected rows on every driver). */
async function insertOnce(manager: EntityManager, entity: new () => object, values: object): Promise<boolean> {
  const [sql, parameters] = manager.createQueryBuilder().insert().into(entity).values(values).orIgnore().updateEntity(false).getQueryAndParameters();
  const result = await manager.queryRunner!.query(sql, parameters, true);
  return result.affected === 1;
}
