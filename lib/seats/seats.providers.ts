import { Provider, Type } from '@nestjs/common';
import { SeatGuard } from './seat.guard';
import { SeatOperations } from './seat-operations.service';
import { SeatService } from './seat.service';
import { SeatStripeSync } from './seat-stripe-sync.service';
import { SeatSyncHandler } from './seat-sync.handler';
import { SeatsController } from './seats.controller';

/** Providers of the seats room, registered (and exported) by PaymentsModule. */
export const SEATS_PROVIDERS: Provider[] = [SeatService, SeatSyncHandler, SeatStripeSync, SeatGuard, SeatOperations];

/** Controllers of the seats room, served under the module's route path. */
export const SEATS_CONTROLLERS: Type<unknown>[] = [SeatsController];
