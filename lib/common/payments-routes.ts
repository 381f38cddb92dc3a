import { Inject, Injectable, Optional } from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';

/**
 * The module's routes as clients call them, the app's global prefix included. The prefix is read
 * when asked, not at start-up: `app.setGlobalPrefix` runs after the module is built.
 */
@Injectable()
export class PaymentsRoutes {
  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    @Optional() private readonly config?: ApplicationConfig,
  ) {}

  /** `/<global prefix>/<routePath>/<route>`, e.g. `/api/payments/upgrade`; the module's base path without `route`. */
  path(route = ''): string {
    const prefix = (this.config?.getGlobalPrefix() ?? '').replace(/^\/+|\/+$/g, '');
    return '/' + [prefix, this.options.routePath, route].filter((part) => part !== '').join('/');
  }
}
