/**
 * True for a transaction the database rolled back to break a lock cycle (a deadlock, or a
 * serialization failure): nothing of it was applied, and running it again is safe.
 * MySQL/MariaDB hit this when waiters on one duplicate key all upgrade their shared lock.
 */
export function isLockConflict(error: unknown): boolean {
  const driver = (error as { driverError?: { code?: string; errno?: number } } | null)?.driverError ?? (error as { code?: string; errno?: number } | null);
  if (!driver) return false;
  return driver.code === 'ER_LOCK_DEADLOCK' || driver.errno === 1213 || driver.code === '40P01' || driver.code === '40001';
}

/** Tries of one piece of work the database keeps rolling back to break lock cycles. */
const LOCK_CONFLICT_TRIES = 3;

/** Runs `work` again (up to 3 tries in all) when the database rolled it back to break a lock cycle. */
export async function againOnLockConflict<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isLockConflict(error) || attempt >= LOCK_CONFLICT_TRIES) throw error;
    }
  }
}
