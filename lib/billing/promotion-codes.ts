import { PaymentsException } from '../common/payments.exception';
import { ResolvedPaymentsOptions } from '../payments.options';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { promotionCodeInvalid } from './checkout-params';

/** 400 `invalid_request` for a `promotionCode` when the `allowPromotionCodes` option is off: the option turns the field on (R10). */
export function assertPromotionCodesAccepted(options: ResolvedPaymentsOptions, code: string | undefined): void {
  if (code === undefined || options.allowPromotionCodes) return;
  throw new PaymentsException(400, 'invalid_request', 'The request has invalid or unknown fields.', {
    errors: [{ field: 'promotionCode', messages: ['promotion codes are not accepted'] }],
  });
}

/**
 * The id of an active promotion code with this code that this customer may use, else 400
 * `promotion_code_invalid`; a read only, so a refused code makes no Stripe write.
 */
export async function findPromotionCode(gateway: StripeGateway, code: string, customer: string | null): Promise<string> {
  const found = await gateway.call('promotionCodes.list', (s) => s.promotionCodes.list({ code, active: true, limit: 1 }));
  const promo = found.data[0];
  const owner = promo && (typeof promo.customer === 'string' ? promo.customer : promo.customer?.id ?? null);
  // A code kept for one customer is, for anyone else, as good as unknown.
  if (!promo || (owner && owner !== customer)) throw promotionCodeInvalid();
  return promo.id;
}
