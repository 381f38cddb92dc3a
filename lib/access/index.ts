// Public names of the access room, re-exported by lib/index.ts.
export { RequiresActiveSubscription, RequiresFeature, RequiresPlan } from './access.decorators';
export { AccessGuard } from './access.guard';
export type { RequestBilling } from './access.guard';
export { PaymentsAccessGuard } from './payments-access.guard';
export { decideAccess, effectivePlan } from './access-policy';
export type { AccessDecision, AccessRefusal, AccessRequirement } from './access-policy';
export { Entitlements } from './entitlements.service';
export type { BillableEntitlements } from './entitlements.service';
export type { EntitlementsChannel } from '../payments.options';
export { PostgresEntitlementsChannel } from './channels/postgres-entitlements.channel';
export type { PostgresChannelOptions } from './channels/postgres-entitlements.channel';
export { RedisEntitlementsChannel } from './channels/redis-entitlements.channel';
export type { RedisChannelOptions } from './channels/redis-entitlements.channel';
