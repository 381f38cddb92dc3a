import { PaymentsException } from '../common/payments.exception';
import type { CreditSpend } from './credits-ledger';
import type { UsagePeriod } from './usage-period';
import type { UsageReplay } from './usage-replay';

/** Units held for one use; pass it back to `commit` or `release`. */
export interface UsageReservation {
  billableId: string;
  metric: string;
  quantity: number;
  counterId: number;
  /** The usage record (only with an idempotency key). */
  recordId: number | null;
  idempotencyKey: string | null;
  /** True when the key was already counted (a repeat): nothing was added, and commit/release do nothing. */
  duplicate: boolean;
  /** For a repeat: the first use's answer, to give again instead of doing the work twice. */
  replay: UsageReplay | null;
  periodStart: Date;
  periodEnd: Date;
  /** Units taken from purchased credit buckets (the rest came from the plan's allowance); empty when none. */
  credits?: CreditSpend[];
  /** The Stripe meter the units are billed through (metered plans), else null. */
  meter: string | null;
  /** When the units were counted. */
  countedAt: Date;
}

/** What `reserve` asks for. */
export interface ReserveRequest {
  billableId: string;
  metric: string;
  quantity: number;
  /** The plan's limit for the period; -1 is unlimited (counted, never refused). */
  limit: number;
  period: UsagePeriod;
  idempotencyKey?: string | null;
  /** Bill the units through this Stripe meter (written with the count, in one transaction). */
  meter?: string | null;
}

/** `reserve`'s answer: the reservation, or the units already used when the limit refuses it. */
export type ReserveOutcome = { admitted: true; reservation: UsageReservation } | { admitted: false; used: number };

/** What `commit` stores for a keyed use: the answer its repeats get. */
export interface UsageResponse {
  status: number;
  body: unknown;
}

/** The counters are 32-bit integer columns on every database. */
const MAX_QUANTITY = 2_147_483_647;

/** The ledger is exported: a quantity that is not a positive whole number (or does not fit the counter) never reaches SQL. */
export function assertQuantity(quantity: number): void {
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
    throw new PaymentsException(400, 'invalid_request', `Usage quantity must be a whole number from 1 to ${MAX_QUANTITY}, not ${String(quantity)}.`);
  }
}

/** A reservation of `request`'s units; with `replay` it is a repeat of an earlier use (nothing was added). */
export function reservationOf(request: ReserveRequest, counterId: number, recordId: number | null, replay: UsageReplay | null, now: Date): UsageReservation {
  return {
    billableId: request.billableId, metric: request.metric, quantity: request.quantity, counterId, recordId,
    idempotencyKey: request.idempotencyKey ?? null, duplicate: replay !== null, replay, periodStart: request.period.start, periodEnd: request.period.end,
    meter: request.meter ?? null, countedAt: now,
  };
}
