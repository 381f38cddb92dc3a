import { Provider, Type } from '@nestjs/common';
import { DiscoveryService, ModulesContainer } from '@nestjs/core';
import { PAYMENTS_DISCOVERY, WebhookHandlers } from './handlers/webhook-handlers.service';
import { WebhookController } from './http/webhook.controller';
import { WebhookPlatformCheck } from './http/webhook-platform.check';
import { WebhookInbox } from './inbox/webhook-inbox.service';
import { WebhookOperations } from './operations/webhook-operations.service';
import { BillingSyncService } from './sync/billing-sync.service';
import { BuiltInEvents } from './sync/built-in-events.service';
import { SubscriptionApplier } from './sync/subscription-applier.service';
import { WebhookProcessor } from './webhook-processor.service';
import { WebhookIntake } from './queued/webhook-intake.service';
import { WebhookWorkHandler } from './queued/webhook-work.handler';
import { ApiVersionMonitor } from '../stripe/api-version.monitor';
import { ThinEventResolver } from './thin/thin-event.resolver';

/** Providers of the webhooks room, registered (and exported) by PaymentsModule. */
export const WEBHOOKS_PROVIDERS: Provider[] = [
  // Our own DiscoveryService instance, so the app needs no DiscoveryModule import.
  { provide: PAYMENTS_DISCOVERY, inject: [ModulesContainer], useFactory: (modules: ModulesContainer) => new DiscoveryService(modules) },
  WebhookHandlers,
  WebhookInbox,
  SubscriptionApplier,
  BillingSyncService,
  BuiltInEvents,
  WebhookProcessor,
  // Queued mode (issue 12): the route's commit, and the queue's handler of webhook events.
  WebhookIntake,
  WebhookWorkHandler,
  WebhookOperations,
  // Thin event notifications and events in another API version (issue 11).
  ThinEventResolver,
  ApiVersionMonitor,
  WebhookPlatformCheck,
];

/** Controllers of the webhooks room, served under the module's route path. */
export const WEBHOOKS_CONTROLLERS: Type<unknown>[] = [WebhookController];
