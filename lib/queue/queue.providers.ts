import { Provider } from '@nestjs/common';
import { WorkQueue } from './work-queue.service';

/** Providers of the queue room, registered (and exported) by PaymentsModule. */
export const QUEUE_PROVIDERS: Provider[] = [WorkQueue];
