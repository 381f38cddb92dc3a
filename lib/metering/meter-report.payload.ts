/** Queue kind of window reports. */
export const METER_REPORT_KIND = 'meter-report';

/** What a `meter-report` item names: one window sequence of one billable on one meter. */
export interface MeterReportPayload {
  billableId: string;
  meter: string;
  /** ISO time of the window start. */
  windowStart: string;
  /** ISO time of the window end (a window is cut at the billing period's end). */
  windowEnd: string;
  seq: number;
}
