import { Provider, Type } from '@nestjs/common';

/** Providers of the billing room, registered (and exported) by PaymentsModule. */
export const BILLING_PROVIDERS: Provider[] = [];

/** Controllers of the billing room, served under the module's route path. */
export const BILLING_CONTROLLERS: Type<unknown>[] = [];
