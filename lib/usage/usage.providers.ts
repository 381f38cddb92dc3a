import { Provider, Type } from '@nestjs/common';
import { PaymentsRetention } from '../persistence/retention/payments-retention.service';
import { TrackUsageInterceptor } from './track-usage.interceptor';
import { CreditsLedger } from './credits-ledger';
import { UsageLedger } from './usage-ledger';
import { UsageController } from './usage.controller';
import { UsageService } from './usage.service';
import { UsageMetricsValidator } from './usage-metrics.validator';

/**
 * Providers of the usage room, registered (and exported) by PaymentsModule. PaymentsRetention
 * rides here: most of what it prunes is usage records, and it also prunes processed inbox rows.
 */
export const USAGE_PROVIDERS: Provider[] = [CreditsLedger, UsageLedger, UsageService, TrackUsageInterceptor, UsageMetricsValidator, PaymentsRetention];

/** Controllers of the usage room, served under the module's route path. */
export const USAGE_CONTROLLERS: Type<unknown>[] = [UsageController];
