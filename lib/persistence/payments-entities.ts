import { MemberUsageEntity } from './entities/member-usage.entity';
import { PaymentEntity } from './entities/payment.entity';
import { SeatAccountEntity } from './entities/seat-account.entity';
import { SeatMemberEntity } from './entities/seat-member.entity';
import { UsageCounterEntity } from './entities/usage-counter.entity';
import { UsageRecordEntity } from './entities/usage-record.entity';
import { WebhookEventEntity } from './entities/webhook-event.entity';
import { WorkItemEntity } from './entities/work-item.entity';

/** The module's own tables: add them to TypeORM's `entities` beside your billable entity. */
export const PAYMENTS_ENTITIES: (new () => object)[] = [WebhookEventEntity, UsageCounterEntity, UsageRecordEntity, PaymentEntity, WorkItemEntity];
// Its own line so that rooms added in parallel branches merge without touching each other.
PAYMENTS_ENTITIES.push(SeatAccountEntity, SeatMemberEntity, MemberUsageEntity);
