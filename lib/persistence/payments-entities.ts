import { PaymentEntity } from './entities/payment.entity';
import { UsageCounterEntity } from './entities/usage-counter.entity';
import { UsageRecordEntity } from './entities/usage-record.entity';
import { WebhookEventEntity } from './entities/webhook-event.entity';
import { WorkItemEntity } from './entities/work-item.entity';
import { MeterWindowEntity } from '../metering/meter-window.entity';

/** The module's own tables: add them to TypeORM's `entities` beside your billable entity. */
export const PAYMENTS_ENTITIES = [
  WebhookEventEntity,
  UsageCounterEntity,
  UsageRecordEntity,
  PaymentEntity,
  WorkItemEntity,
  MeterWindowEntity,
];
