import { Entitlements, PaymentsModuleOptions, RedisEntitlementsChannel } from '../../../lib';
import { BillableStore } from '../../../lib/persistence/billable-store';
import { PaymentsTransactions } from '../../../lib/persistence/payments-transactions';
import { startTestApp, TestApp } from '../../support/test-app';
import { report, sized } from '../support/reliability-env';
import { Harness, jwtGuard } from '../support/reliability-harness';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// Far above any channel's delay: a flip seen on the other instance can only come from the channel.
const TTL_MS = 60_000;
const GIVE_UP_MS = 5_000;

type Kind = 'postgres' | 'redis';

/**
 * R17: cross-instance invalidation. For each built-in channel, two further instances on the
 * harness's database: a billable's plan is written on one (as the webhook sync writes it) while the
 * other holds it cached; the time until the other instance serves the new plan is its staleness.
 * Must hold: every flip seen (missed 0) long before the TTL; p50/p99 reported per channel.
 */
export async function r17InvalidationLatency(h: Harness): Promise<void> {
  const started = Date.now();
  const flips = sized({ ci: 60, full: 500 });
  const values: Record<string, number | string> = { flipsPerChannel: flips, ttlMs: TTL_MS };
  let missedTotal = 0;
  for (const kind of ['postgres', 'redis'] as Kind[]) {
    const { missed, latencies } = await measure(h, kind, flips);
    missedTotal += missed;
    values[`${kind}Missed`] = missed;
    values[`${kind}P50ms`] = percentile(latencies, 0.5);
    values[`${kind}P99ms`] = percentile(latencies, 0.99);
    values[`${kind}MaxMs`] = percentile(latencies, 1);
  }
  report('R17', 'cross-instance invalidation latency', values, started);
  expect(missedTotal).toBe(0);
}

async function measure(h: Harness, kind: Kind, flips: number): Promise<{ missed: number; latencies: number[] }> {
  const channel = (): PaymentsModuleOptions['entitlementsChannel'] =>
    kind === 'postgres' ? 'postgres' : new RedisEntitlementsChannel({ url: REDIS_URL, channel: `payments:r17:${process.pid}` });
  const common = { db: h.db, fake: h.fake, synchronize: false, registerWithFake: false, logger: { log() {}, error() {}, warn() {} } };
  const writer: TestApp = await startTestApp({ ...common, payments: { authGuard: jwtGuard, entitlementsCacheTtlMs: TTL_MS, entitlementsChannel: channel() } });
  const reader: TestApp = await startTestApp({ ...common, payments: { authGuard: jwtGuard, entitlementsCacheTtlMs: TTL_MS, entitlementsChannel: channel() } });
  try {
    const store = writer.app.get(BillableStore);
    const transactions = writer.app.get(PaymentsTransactions);
    const entitlements = reader.app.get(Entitlements);
    const latencies: number[] = [];
    let missed = 0;
    for (let i = 0; i < flips; i++) {
      const user = await writer.createUser();
      expect((await entitlements.forBillable(user.id)).effectivePlan).not.toBe('pro'); // cached on the reader
      const wrote = Date.now();
      await transactions.run(async (tx) => store.writeState(tx, (await store.lockById(tx, user.id))!, { plan: 'pro', subscriptionStatus: 'active', stripeSubscriptionId: `sub_r17_${i}` }));
      const committed = Date.now();
      let seen = false;
      while (Date.now() - committed < GIVE_UP_MS) {
        if ((await entitlements.forBillable(user.id)).effectivePlan === 'pro') {
          seen = true;
          break;
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      if (seen) latencies.push(Date.now() - wrote);
      else missed++;
    }
    return { missed, latencies };
  } finally {
    await reader.close();
    await writer.close();
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}
