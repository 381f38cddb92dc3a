import { PaymentsModuleOptions } from '../../lib';
import { PaymentsConfigError, resolvePaymentsOptions } from '../../lib/payments-options.validator';
import { TestUser } from '../support/test-user.entity';

const valid: PaymentsModuleOptions = {
  secretKey: 'sk_test_123',
  webhookSecret: 'whsec_abc',
  plans: { free: { name: 'Free' } },
  billableEntity: TestUser,
};
const withQueue = (queue: unknown) => () => resolvePaymentsOptions({ ...valid, queue: queue as never });

describe('queue options', () => {
  it('fills the defaults', () => {
    expect(resolvePaymentsOptions(valid).queue).toEqual({ workers: true, concurrency: 10, pollIntervalMs: 1000, leaseMs: 15_000, retryBaseMs: 1000, retryMaxMs: 300_000, shutdownGraceMs: 5000, yieldToRequests: true });
    expect(resolvePaymentsOptions({ ...valid, queue: { workers: false, concurrency: 8, wakeChannel: false } }).queue).toMatchObject({ workers: false, concurrency: 8, wakeChannel: false });
    // Unset until the DataSource's pool is known: PaymentsTransactions then gives the queue half of it.
    expect(resolvePaymentsOptions(valid).queue.maxConnections).toBeUndefined();
    expect(resolvePaymentsOptions({ ...valid, queue: { maxConnections: 3 } }).queue.maxConnections).toBe(3);
    expect(resolvePaymentsOptions({ ...valid, queue: { yieldToRequests: false } }).queue.yieldToRequests).toBe(false);
    const channel = { publish: () => undefined, subscribe: () => undefined };
    expect(resolvePaymentsOptions({ ...valid, queue: { wakeChannel: channel } }).queue.wakeChannel).toBe(channel);
  });

  it.each([
    [{ concurrency: 0 }, 'queue.concurrency must be a whole number from 1 to 100, not 0.'],
    [{ maxConnections: 0 }, 'queue.maxConnections must be a whole number from 1 to 1000 (at most your connection pool size), not 0.'],
    [{ maxConnections: 1.5 }, 'queue.maxConnections must be a whole number from 1 to 1000'],
    [{ maxConnections: '2' }, 'queue.maxConnections must be a whole number from 1 to 1000'],
    [{ concurrency: 2.5 }, 'queue.concurrency must be a whole number from 1 to 100'],
    [{ leaseMs: 100 }, 'queue.leaseMs must be a whole number from 500 to 3600000 ms, not 100.'],
    [{ pollIntervalMs: -1 }, 'queue.pollIntervalMs must be a whole number from 10 to 3600000 ms, not -1.'],
    [{ retryBaseMs: 1000, retryMaxMs: 10 }, 'queue.retryMaxMs must be a whole number from 1000 to 86400000 ms (at least queue.retryBaseMs), not 10.'],
    [{ shutdownGraceMs: -5 }, 'queue.shutdownGraceMs must be a whole number from 0 to 600000 ms, not -5.'],
    [{ workers: 'no' }, 'queue.workers must be true or false, not "no".'],
    [{ yieldToRequests: 'yes' }, 'queue.yieldToRequests must be true or false, not "yes".'],
    [{ wakeChannel: 'redis' }, "queue.wakeChannel must be 'postgres', false, or an object with publish() and subscribe() (e.g. a RedisEntitlementsChannel), not \"redis\"."],
    ['fast', 'queue must be an object such as { concurrency: 10 }, not "fast".'],
  ])('refuses %j with one sentence', (queue, sentence) => {
    expect(withQueue(queue)).toThrow(PaymentsConfigError);
    expect(withQueue(queue)).toThrow(`nestjs-headless-payments: ${sentence}`);
  });
});
