import type { EntityManager } from 'typeorm';

/** One change of a metered metric, as the usage ledger hands it to the metering room. */
export interface MeteredUse {
  billableId: string;
  metric: string;
  /** The Stripe meter's event name. */
  meter: string;
  /** Units counted; negative when a reservation is given back. */
  quantity: number;
  /** When the units were counted: picks the reporting window. */
  at: Date;
  /** The usage (billing) period they count in: a window never straddles its end, so Stripe bills them in the same period. */
  period: { start: Date; end: Date };
}

/**
 * Where the ledger writes metered units, inside the same transaction as the counter increment, so
 * a unit is billed exactly when it is counted (rolled back together, committed together).
 */
export interface MeteredUsageSink {
  counted(manager: EntityManager, use: MeteredUse): Promise<void>;
  /**
   * Where the database can: the counter's conditional increment and the window's in one statement,
   * outside any transaction. True or false is the counter's answer (both applied, or neither);
   * null means it could not be done so, and nothing was written: use a transaction with `counted`.
   */
  countWithCounter?(use: MeteredUse, counter: { counterId: number; limit: number }): Promise<boolean | null>;
}

/** Injection token of the sink (provided by the metering room; absent means no usage billing). */
export const METERED_USAGE_SINK = 'PAYMENTS:METERED_USAGE_SINK';
