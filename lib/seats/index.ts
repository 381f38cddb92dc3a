// Public names of seats (issue 13), re-exported by lib/index.ts.
export { SeatService } from './seat.service';
export type { SeatsView, SeatChange } from './seat.service';
export { RequiresSeat, SeatGuard } from './seat.guard';
export { SeatOperations } from './seat-operations.service';
export type { SeatDrift, SeatDriftReport } from './seat-operations.service';
export type { SeatsOptions, SeatProration, SeatProrationRule } from './seats.options';
export { DEFAULT_SEAT_PRORATION } from './seats.options';
