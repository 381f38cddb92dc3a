import { ConfigurableModuleBuilder } from '@nestjs/common';
import { PaymentsModuleOptions } from './payments.options';

export const {
  ConfigurableModuleClass: ConfigurablePaymentsModule,
  MODULE_OPTIONS_TOKEN: RAW_PAYMENTS_OPTIONS,
  OPTIONS_TYPE: PAYMENTS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: PAYMENTS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<PaymentsModuleOptions>({ moduleName: 'Payments' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
