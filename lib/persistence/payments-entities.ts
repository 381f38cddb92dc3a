import { BillableLeaseEntity } from './entities/billable-lease.entity';
import { AutoTopUpEntity } from './entities/auto-top-up.entity';
import { CreditBucketEntity } from './entities/credit-bucket.entity';
import { CreditPurchaseEntity } from './entities/credit-purchase.entity';
import { CreditRefundEntity } from './entities/credit-refund.entity';
import { CreditSpendEntity } from './entities/credit-spend.entity';
import { MemberUsageEntity } from './entities/member-usage.entity';
import { PaymentEntity } from './entities/payment.entity';
import { SeatAccountEntity } from './entities/seat-account.entity';
import { SeatMemberEntity } from './entities/seat-member.entity';
import { TrialFingerprintEntity } from './entities/trial-fingerprint.entity';
import { UsageCounterEntity } from './entities/usage-counter.entity';
import { UsageRecordEntity } from './entities/usage-record.entity';
import { WebhookEventEntity } from './entities/webhook-event.entity';
import { WorkItemEntity } from './entities/work-item.entity';
import { MeterWindowEntity } from '../metering/meter-window.entity';

/** The module's own tables: add them to TypeORM's `entities` beside your billable entity. */
export const PAYMENTS_ENTITIES: (new () => object)[] = [WebhookEventEntity, UsageCounterEntity, UsageRecordEntity, PaymentEntity, TrialFingerprintEntity, WorkItemEntity];
// One-time products and credits (issue 15), on their own line so parallel rooms merge cleanly.
PAYMENTS_ENTITIES.push(CreditPurchaseEntity, CreditBucketEntity, CreditRefundEntity, CreditSpendEntity, AutoTopUpEntity);
// Seats (issue 13).
PAYMENTS_ENTITIES.push(SeatAccountEntity, SeatMemberEntity, MemberUsageEntity);
// Usage billing (issue 14).
PAYMENTS_ENTITIES.push(MeterWindowEntity);
// Claims that serialize Stripe work per billable across instances (issue 12).
PAYMENTS_ENTITIES.push(BillableLeaseEntity);
