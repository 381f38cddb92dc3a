import { PaymentsException } from '../common/payments.exception';
import type { CheckoutDto } from '../billing/billing.dtos';
import type { ProductCheckoutInput } from './product-checkout.service';

/** The product part of a `POST /checkout` body: 400 `invalid_request` for a plan beside it, or fields only plans take. */
export function productInput(body: CheckoutDto): ProductCheckoutInput {
  const misplaced = (['plan', 'interval', 'promotionCode'] as const).filter((field) => body[field] !== undefined);
  if (misplaced.length > 0) {
    throw new PaymentsException(400, 'invalid_request', 'The request has invalid or unknown fields.', {
      errors: misplaced.map((field) => ({ field, messages: [`${field} cannot be combined with product`] })),
    });
  }
  return { product: body.product as string, quantity: body.quantity, successUrl: body.successUrl, cancelUrl: body.cancelUrl };
}
