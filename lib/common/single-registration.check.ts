import { Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { PaymentsConfigError } from '../payments-options.validator';

/**
 * Refuses a second PaymentsModule in one app: each would keep its own Stripe client and options,
 * so which one a route uses depends on import order (a test that adds its own forRoot beside the
 * app's silently kept the app's real Stripe key).
 */
export function assertRegisteredOnce(modules: ModulesContainer, paymentsModule: Type<unknown>): void {
  const count = [...modules.values()].filter((module) => module.metatype === paymentsModule).length;
  if (count <= 1) return;
  throw new PaymentsConfigError(
    `nestjs-headless-payments: PaymentsModule is registered ${count} times in this app; register it once (one forRoot or forRootAsync). ` +
      'In a test, pass your AppModule as startPaymentsTestApp({ appModule: AppModule }) instead of adding PaymentsModule again: it swaps your Stripe settings for the fake\'s.',
  );
}
