import { Provider, Type } from '@nestjs/common';

/** Providers of the usage room, registered (and exported) by PaymentsModule. */
export const USAGE_PROVIDERS: Provider[] = [];

/** Controllers of the usage room, served under the module's route path. */
export const USAGE_CONTROLLERS: Type<unknown>[] = [];
