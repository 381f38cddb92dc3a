import { Provider, Type } from '@nestjs/common';
import { TrackUsageInterceptor } from './track-usage.interceptor';
import { UsageLedger } from './usage-ledger';
import { UsageController } from './usage.controller';
import { UsageService } from './usage.service';
import { UsageMetricsValidator } from './usage-metrics.validator';

/** Providers of the usage room, registered (and exported) by PaymentsModule. */
export const USAGE_PROVIDERS: Provider[] = [UsageLedger, UsageService, TrackUsageInterceptor, UsageMetricsValidator];

/** Controllers of the usage room, served under the module's route path. */
export const USAGE_CONTROLLERS: Type<unknown>[] = [UsageController];
