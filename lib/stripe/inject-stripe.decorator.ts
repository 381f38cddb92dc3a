import { Inject } from '@nestjs/common';
import { PAYMENTS_OPTIONS, STRIPE_CLIENT } from '../payments.constants';

/** Injects the `Stripe` client the module configured: `constructor(@InjectStripe() stripe: Stripe)`. */
export const InjectStripe = (): ParameterDecorator & PropertyDecorator => Inject(STRIPE_CLIENT);

/** Injects the module's resolved options (`ResolvedPaymentsOptions`). */
export const InjectPaymentsOptions = (): ParameterDecorator & PropertyDecorator => Inject(PAYMENTS_OPTIONS);
