/** The shared work queue as the metering room sees it (GUIDE §5: one queue). */
export const METERING_QUEUE = 'PAYMENTS:METERING_QUEUE';
