export type Interval = 'day' | 'week' | 'month' | 'year';

const DAY = 86_400;

/**
 * Adds billing intervals the way Stripe anchors them: months keep the day of month and clamp
 * to the month's last day (Jan 31 -> Feb 28), in UTC.
 */
export function addInterval(from: number, interval: Interval, count = 1): number {
  if (interval === 'day') return from + DAY * count;
  if (interval === 'week') return from + 7 * DAY * count;
  const d = new Date(from * 1000);
  const months = interval === 'month' ? count : 12 * count;
  const targetMonth = d.getUTCMonth() + months;
  const year = d.getUTCFullYear() + Math.floor(targetMonth / 12);
  const month = ((targetMonth % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDay);
  return Math.floor(
    Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000,
  );
}

export const SECONDS_PER_DAY = DAY;
