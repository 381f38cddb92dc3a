/** The work kind of seat pushes to Stripe on the shared queue; the item key is the subscription id. */
export const SEAT_SYNC_KIND = 'seat-sync';

/** What a seat-sync item carries; the handler reads the quantity itself, so a stale payload cannot push an old count. */
export interface SeatSyncPayload {
  billableId: string;
}
