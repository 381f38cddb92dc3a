import { Provider } from '@nestjs/common';
import { PaymentsHealthIndicator } from './payments-health.indicator';

/** Providers of the health room, registered (and exported) by PaymentsModule. */
export const HEALTH_PROVIDERS: Provider[] = [PaymentsHealthIndicator];
