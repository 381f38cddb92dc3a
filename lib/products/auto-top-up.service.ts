import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { BillableStore } from '../persistence/billable-store';
import { AutoTopUpEntity } from '../persistence/entities/auto-top-up.entity';
import { PaymentsTransactions } from '../persistence/payments-transactions';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { CreditsLedger } from '../usage/credits-ledger';
import { ProductCatalog } from './product-catalog';
import { ProductGrants } from './product-grants.service';
import { AutoTopUpRule } from './product.types';

/** A claim older than this is taken over: the instance that made it died mid-purchase; the taker reuses its idempotency key, so Stripe answers with the same payment. */
const LEASE_MS = 10 * 60_000;

/**
 * The `autoTopUp` option: after a use, when the metric's purchased units fall below the rule's
 * threshold, buys one unit of its product off-session with the customer's saved card. At most one
 * purchase per billable and metric is in flight, on any number of instances: a row is claimed by a
 * conditional update before Stripe is called, the balance is read again under the claim (so a
 * purchase that just landed is seen), and the claim is released once the grant committed. Runs in
 * the background: the use that triggered it never waits on Stripe.
 */
@Injectable()
export class AutoTopUp implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Payments:Products');
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly products: ProductCatalog,
    private readonly credits: CreditsLedger,
    private readonly store: BillableStore,
    private readonly transactions: PaymentsTransactions,
    private readonly gateway: StripeGateway,
    private readonly grants: ProductGrants,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  /** Starts a top-up in the background when the metric has a rule (nothing to await). */
  afterUse(billableId: string, metric: string): void {
    const rule = this.options.autoTopUp?.[metric];
    if (!rule) return;
    const task: Promise<void> = this.run(billableId, metric, rule)
      .catch((error: unknown) => this.logger.warn(`Auto top-up of ${metric} for billable ${billableId} failed: ${(error as { code?: string }).code ?? 'error'}; the next use tries again.`))
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  /** A purchase in flight finishes (and is granted) before the database connection closes. */
  beforeApplicationShutdown(): Promise<void> {
    return this.settled();
  }

  /** Resolves once every top-up started so far has finished (for tests and shutdown). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async run(billableId: string, metric: string, rule: AutoTopUpRule): Promise<void> {
    if ((await this.credits.available(billableId, metric)) >= rule.below) return;
    const attempt = await this.claim(billableId, metric);
    if (attempt === null) return; // another purchase is in flight
    let done = false;
    try {
      if ((await this.credits.available(billableId, metric)) >= rule.below) return;
      const product = this.products.get(rule.product)!;
      const customer = (await this.store.findById(billableId))?.stripeCustomerId;
      if (!customer) return;
      const methods = await this.gateway.call('paymentMethods.list', (s) => s.paymentMethods.list({ customer, type: 'card', limit: 1 }));
      const method = methods.data[0];
      if (!method) {
        this.logger.log(`Auto top-up of ${metric} for billable ${billableId} skipped: no saved card.`);
        return;
      }
      const price = await this.gateway.call('prices.retrieve', (s) => s.prices.retrieve(product.priceId));
      // Fixed per attempt (not windowed): a claim taken over after a crash pays nothing twice.
      const idempotencyKey = `auto_top_up:${billableId}:${metric}:${attempt}`;
      const intent = await this.gateway
        .call('paymentIntents.create', (s) =>
          s.paymentIntents.create(
            {
              amount: price.unit_amount ?? 0, currency: price.currency, customer, payment_method: method.id, off_session: true, confirm: true,
              metadata: { billable_id: billableId, product: product.key, auto_top_up: metric },
            },
            { idempotencyKey },
          ),
        )
        .catch((error: unknown) => {
          // A decline is final for this attempt; any other failure keeps the key, in case Stripe did take the payment.
          if ((error as { code?: string }).code === 'payment_failed') done = true;
          throw error;
        });
      await this.transactions.run((tx) => this.grants.applyPaymentIntent(tx, intent));
      // Paid and granted: the next top-up is a new purchase under a new key. Had the grant failed, the
      // next try would replay this payment (same key) and grant it then.
      done = true;
    } finally {
      await this.release(billableId, metric, done);
    }
  }

  /** The claim's attempt number, or null while another purchase holds it. */
  private async claim(billableId: string, metric: string): Promise<number | null> {
    const now = this.options.now();
    return this.transactions.run(async (tx) => {
      const repo = tx.manager.getRepository(AutoTopUpEntity);
      await tx.manager.createQueryBuilder().insert().into(AutoTopUpEntity).values({ billableId, metric, status: 'idle', attempt: 0, updatedAt: now }).orIgnore().execute();
      const claimed = await tx.manager
        .createQueryBuilder()
        .update(AutoTopUpEntity)
        .set({ status: 'pending', updatedAt: now })
        .where('billable_id = :billableId AND metric = :metric AND (status = :idle OR updated_at < :stale)', { billableId, metric, idle: 'idle', stale: new Date(now.getTime() - LEASE_MS) })
        .execute();
      if (claimed.affected !== 1) return null;
      return Number((await repo.findOneOrFail({ where: { billableId, metric } })).attempt);
    });
  }

  /** Frees the claim; `next` moves to a new attempt (a new idempotency key) once this one paid or was declined. */
  private async release(billableId: string, metric: string, next: boolean): Promise<void> {
    await this.transactions.write((manager) =>
      manager
        .createQueryBuilder()
        .update(AutoTopUpEntity)
        .set({ status: 'idle', updatedAt: this.options.now(), ...(next ? { attempt: () => 'attempt + 1' } : {}) })
        .where('billable_id = :billableId AND metric = :metric', { billableId, metric })
        .execute(),
    );
  }
}
