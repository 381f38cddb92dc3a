import { CanActivate, Provider, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { AccessGuard } from './access.guard';
import { AccessRequirementsValidator } from './access-requirements.validator';
import { ACCESS_GUARD_IMPL } from './access.tokens';
import { Entitlements } from './entitlements.service';
import { PaymentsAccessGuard } from './payments-access.guard';

/** Providers of the access room, registered (and exported) by PaymentsModule. */
export const ACCESS_PROVIDERS: Provider[] = [
  Entitlements,
  AccessGuard,
  PaymentsAccessGuard,
  AccessRequirementsValidator,
  {
    provide: ACCESS_GUARD_IMPL,
    inject: [PAYMENTS_OPTIONS, ModuleRef, AccessGuard],
    useFactory: (options: ResolvedPaymentsOptions, moduleRef: ModuleRef, fallback: AccessGuard): Promise<CanActivate> | CanActivate =>
      options.accessGuard ? moduleRef.create(options.accessGuard) : fallback,
  },
];

/** Controllers of the access room, served under the module's route path. */
export const ACCESS_CONTROLLERS: Type<unknown>[] = [];
