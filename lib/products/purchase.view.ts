import { CreditPurchaseEntity } from '../persistence/entities/credit-purchase.entity';

/** A one-time purchase as the routes answer it. */
export interface PurchaseView {
  /** The Checkout Session id that paid it. */
  id: string;
  product: string;
  quantity: number;
  /** The plan held for life, while not refunded in full. */
  plan: string | null;
  amountPaid: number;
  refundedAmount: number;
  currency: string;
  /** 'paid', 'partially_refunded' or 'refunded'. */
  status: string;
  createdAt: Date;
}

export function purchaseView(row: CreditPurchaseEntity): PurchaseView {
  return {
    id: row.id, product: row.product, quantity: Number(row.quantity), plan: row.plan, amountPaid: Number(row.amountPaid),
    refundedAmount: Number(row.refundedAmount), currency: row.currency, status: row.status, createdAt: row.createdAt,
  };
}
