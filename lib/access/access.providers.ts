import { Provider, Type } from '@nestjs/common';

/** Providers of the access room, registered (and exported) by PaymentsModule. */
export const ACCESS_PROVIDERS: Provider[] = [];

/** Controllers of the access room, served under the module's route path. */
export const ACCESS_CONTROLLERS: Type<unknown>[] = [];
