// Public names of the queue room, re-exported by lib/index.ts.
export { WorkQueue } from './work-queue.service';
export type { EnqueueOptions, WorkHandler, WorkItem, WorkQueueApi, WorkResult } from './work-queue.contract';
export type { FailedWorkItem, WorkKindStats } from './work-queue.admin';
export { WorkItemEntity } from '../persistence/entities/work-item.entity';
export type { WorkItemStatus } from '../persistence/entities/work-item.entity';
