import { Inject, Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { checkExtraParams, CheckoutExtraParams, checkoutParamsInvalid } from '../billing/checkout-params';
import { resolveRedirectOrThrow } from '../billing/billing-inputs';
import { CheckoutResult } from '../billing/checkout.service';
import { billableNotFound, StripeCustomersService } from '../billing/stripe-customers.service';
import { PaymentsException } from '../common/payments.exception';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { Billable, BillableStore } from '../persistence/billable-store';
import { KeyedMutex } from '../persistence/keyed-mutex';
import { PlanCatalog } from '../plans/plan-catalog';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { ProductCatalog } from './product-catalog';
import { CatalogProduct } from './product.types';

/** What a product checkout needs: a product key (never a price id) and how many. */
export interface ProductCheckoutInput {
  product: string;
  /** Default 1; at most the product's `maxQuantity`. */
  quantity?: number;
  successUrl?: string;
  cancelUrl?: string;
}

const RECENT_SESSIONS = 20;

/**
 * Opens payment-mode Checkout Sessions for one-time products at the price the server decides.
 * An open session for the same product, quantity and redirects is reused (a double click buys
 * once); a new one is keyed after the billable's newest product session, so buying again after a
 * purchase gets a new session rather than Stripe replaying the paid one.
 */
@Injectable()
export class ProductCheckoutService {
  private readonly logger = new Logger('Payments:Products');
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly products: ProductCatalog,
    private readonly plans: PlanCatalog,
    private readonly store: BillableStore,
    private readonly gateway: StripeGateway,
    private readonly customers: StripeCustomersService,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  /** A Checkout session URL for `quantity` of a product; 400 `invalid_product` / `quantity_out_of_range` before any Stripe call. */
  async checkout(billableId: string, input: ProductCheckoutInput, request?: unknown): Promise<CheckoutResult> {
    const product = resolveProduct(this.products, input.product);
    const quantity = input.quantity ?? 1;
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > product.maxQuantity) {
      throw new PaymentsException(400, 'quantity_out_of_range', `Quantity must be a whole number from 1 to ${product.maxQuantity} for this product.`, { product: product.key, maxQuantity: product.maxQuantity });
    }
    const successUrl = resolveRedirectOrThrow(this.options, 'success', 'successUrl', input.successUrl);
    const cancelUrl = resolveRedirectOrThrow(this.options, 'cancel', 'cancelUrl', input.cancelUrl);
    const known = await this.store.findById(billableId);
    if (!known) throw billableNotFound();
    const extra = await this.extraParams(known, product, request);
    const session = await this.mutex.run(billableId, async () => {
      const customer = (await this.customers.ensureCustomer(billableId)).stripeCustomerId as string;
      return this.openOrCreate(billableId, customer, product, quantity, { successUrl, cancelUrl, extra });
    });
    return { url: session.url as string, sessionId: session.id };
  }

  /** The `checkoutParams` hook as for plans; it gets the plan the product gives, or the free plan, as its plan argument. */
  private async extraParams(billable: Billable, product: CatalogProduct, request: unknown): Promise<CheckoutExtraParams> {
    if (!this.options.checkoutParams) return {};
    const plan = this.plans.get(product.grantsPlan) ?? this.plans.freePlan() ?? this.plans.list()[0];
    const checked = checkExtraParams(await this.options.checkoutParams(billable, plan, request));
    if ('params' in checked) return checked.params;
    this.logger.error(`checkoutParams returned ${checked.refused.join(', ')}, which the module decides; product checkouts are refused until the hook returns only allowed keys`);
    throw checkoutParamsInvalid();
  }

  private async openOrCreate(
    billableId: string,
    customer: string,
    product: CatalogProduct,
    quantity: number,
    choices: { successUrl: string; cancelUrl: string; extra: CheckoutExtraParams },
  ): Promise<Stripe.Checkout.Session> {
    const { successUrl, cancelUrl, extra } = choices;
    const recent = await this.gateway.call('checkout.sessions.list', (s) => s.checkout.sessions.list({ customer, limit: RECENT_SESSIONS }));
    const ours = recent.data.filter((s) => s.mode === 'payment' && s.metadata?.billable_id === billableId && s.metadata?.product !== undefined);
    const reusable = ours.find(
      (s) => s.status === 'open' && s.url && s.metadata?.product === product.key && s.metadata?.quantity === String(quantity) && s.success_url === successUrl && s.cancel_url === cancelUrl,
    );
    if (reusable) return reusable;
    const idempotencyKey = this.gateway.idempotencyKey({
      owner: billableId,
      action: 'checkout.product',
      inputs: { product: product.key, price: product.priceId, quantity, successUrl, cancelUrl, extra, after: ours[0]?.id ?? null },
    });
    const session = await this.gateway.call('checkout.sessions.create', (s) =>
      s.checkout.sessions.create(
        {
          ...extra,
          mode: 'payment',
          customer,
          client_reference_id: billableId,
          line_items: [{ price: product.priceId, quantity }],
          success_url: successUrl,
          cancel_url: cancelUrl,
          metadata: { billable_id: billableId, product: product.key, price: product.priceId, quantity: String(quantity) },
          // The card is kept on the customer so a later off-session purchase (auto top-up) can use it.
          payment_intent_data: { setup_future_usage: 'off_session', metadata: { billable_id: billableId, product: product.key } },
          // A paid invoice (number, hosted page, PDF) as the purchase's receipt: GET /invoices lists it beside the subscription's.
          invoice_creation: { enabled: true, invoice_data: { metadata: { billable_id: billableId, product: product.key } } },
        },
        { idempotencyKey },
      ),
    );
    this.logger.log(`checkout ${session.id} created for billable ${billableId} (product ${product.key} x${quantity})`);
    return session;
  }
}

/** The product with this key, or 400 `invalid_product`. */
export function resolveProduct(products: ProductCatalog, key: string): CatalogProduct {
  const product = products.get(key);
  if (!product) throw new PaymentsException(400, 'invalid_product', 'There is no product with this key.', { product: String(key).slice(0, 64) });
  return product;
}
