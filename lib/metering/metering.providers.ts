import { Provider } from '@nestjs/common';
import type Stripe from 'stripe';
import { PAYMENTS_OPTIONS, STRIPE_CLIENT } from '../payments.constants';
import type { ResolvedPaymentsOptions } from '../payments.options';
import { WorkQueue } from '../queue/work-queue.service';
import { MeterReportHandler } from './meter-report.handler';
import { METERING_QUEUE } from './metering.tokens';
import { MeterWindowRecorder } from './meter-window.recorder';
import { METERED_USAGE_SINK } from './metered-usage.sink';
import { MeteredPricing } from './metered-pricing.service';
import { StripeMetersReporter } from './stripe-meters.reporter';
import { UsageOperations } from './usage-operations.service';
import { USAGE_REPORTER } from './usage-reporter';

/** Providers of the metering room, registered (and exported) by PaymentsModule. */
export const METERING_PROVIDERS: Provider[] = [
  { provide: METERING_QUEUE, useExisting: WorkQueue },
  {
    provide: USAGE_REPORTER,
    inject: [PAYMENTS_OPTIONS, STRIPE_CLIENT],
    useFactory: (options: ResolvedPaymentsOptions, stripe: Stripe) => options.metering.reporter ?? new StripeMetersReporter(stripe),
  },
  MeterWindowRecorder,
  { provide: METERED_USAGE_SINK, useExisting: MeterWindowRecorder },
  MeterReportHandler,
  UsageOperations,
  MeteredPricing,
];
