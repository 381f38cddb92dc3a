import type { PaymentsModuleOptions, ResolvedPaymentsOptions } from '../payments.options';

/** Fills in `queue`'s defaults; `fail` reports a wrong value at start-up with one sentence. */
export function resolveQueueOptions(options: PaymentsModuleOptions, fail: (sentence: string) => never): ResolvedPaymentsOptions['queue'] {
  const given = options.queue ?? {};
  if (typeof given !== 'object') fail(`queue must be an object such as { concurrency: 10 }, not ${JSON.stringify(given)}.`);
  const resolved = {
    workers: given.workers ?? true,
    concurrency: given.concurrency ?? 10,
    pollIntervalMs: given.pollIntervalMs ?? 1000,
    leaseMs: given.leaseMs ?? 15_000,
    retryBaseMs: given.retryBaseMs ?? 1000,
    retryMaxMs: given.retryMaxMs ?? 300_000,
    shutdownGraceMs: given.shutdownGraceMs ?? 5000,
    yieldToRequests: given.yieldToRequests ?? true,
  };
  if (typeof resolved.workers !== 'boolean') fail(`queue.workers must be true or false, not ${JSON.stringify(resolved.workers)}.`);
  if (typeof resolved.yieldToRequests !== 'boolean') fail(`queue.yieldToRequests must be true or false, not ${JSON.stringify(resolved.yieldToRequests)}.`);
  const whole = (name: string, value: number, min: number, max: number, hint: string) => {
    if (!Number.isInteger(value) || value < min || value > max) fail(`queue.${name} must be a whole number from ${min} to ${max}${hint}, not ${String(value)}.`);
  };
  whole('concurrency', resolved.concurrency, 1, 100, '');
  whole('pollIntervalMs', resolved.pollIntervalMs, 10, 3_600_000, ' ms');
  // A lease shorter than a few round trips would be lost between heartbeats.
  whole('leaseMs', resolved.leaseMs, 500, 3_600_000, ' ms');
  whole('retryBaseMs', resolved.retryBaseMs, 1, 3_600_000, ' ms');
  whole('retryMaxMs', resolved.retryMaxMs, resolved.retryBaseMs, 86_400_000, ' ms (at least queue.retryBaseMs)');
  whole('shutdownGraceMs', resolved.shutdownGraceMs, 0, 600_000, ' ms');
  const channel = given.wakeChannel;
  if (channel !== undefined && channel !== false && channel !== 'postgres' && (typeof channel !== 'object' || typeof channel.publish !== 'function' || typeof channel.subscribe !== 'function')) {
    fail(`queue.wakeChannel must be 'postgres', false, or an object with publish() and subscribe() (e.g. a RedisEntitlementsChannel), not ${JSON.stringify(channel)}.`);
  }
  if (given.maxConnections !== undefined) whole('maxConnections', given.maxConnections, 1, 1000, ' (at most your connection pool size)');
  return { ...resolved, ...(given.maxConnections === undefined ? {} : { maxConnections: given.maxConnections }), ...(channel === undefined ? {} : { wakeChannel: channel }) };
}
