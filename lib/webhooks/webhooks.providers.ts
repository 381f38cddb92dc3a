import { Provider, Type } from '@nestjs/common';

/** Providers of the webhooks room, registered (and exported) by PaymentsModule. */
export const WEBHOOKS_PROVIDERS: Provider[] = [];

/** Controllers of the webhooks room, served under the module's route path. */
export const WEBHOOKS_CONTROLLERS: Type<unknown>[] = [];
