import { Controller, Get, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import Redis from 'ioredis';
import { PaymentsModuleOptions, PostgresEntitlementsChannel, RedisEntitlementsChannel, RequiresFeature } from '../../lib';
import { resolvePaymentsOptions } from '../../lib/payments-options.validator';
import { BillableStore } from '../../lib/persistence/billable-store';
import { PaymentsTransactions } from '../../lib/persistence/payments-transactions';
import { FakeStripe } from '../../lib/testing';
import { startTestApp, TestApp } from '../support/test-app';
import { testPlans } from '../support/test-plans';
import { TestUser } from '../support/test-user.entity';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';

@Controller('gated')
@UseGuards(AuthGuard('jwt'))
class GatedController {
  @RequiresFeature('advanced_exports')
  @Get('exports')
  exports() {
    return { ok: true };
  }
}

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// Long enough that only an invalidation, never the TTL, can change what instance B answers.
const TTL_MS = 60_000;

type ChannelKind = 'postgres' | 'redis' | 'none';

function channelFor(kind: ChannelKind, name: string): PaymentsModuleOptions['entitlementsChannel'] {
  if (kind === 'postgres') return 'postgres';
  if (kind === 'redis') return new RedisEntitlementsChannel({ url: REDIS_URL, channel: name });
  return undefined;
}

/** Polls `probe` until it returns `want` or `ms` pass; answers the last value seen. */
async function waitFor<T>(probe: () => Promise<T>, want: T, ms: number): Promise<T> {
  const until = Date.now() + ms;
  let last = await probe();
  while (last !== want && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    last = await probe();
  }
  return last;
}

// Two instances on one PostgreSQL database; the fake delivers webhooks to instance A only, so
// instance B learns of a change only through the channel (or, after 60 s, its TTL).
describeEachDb(['postgres'])('cross-instance invalidation on %s', (dbKind) => {
  describe.each<ChannelKind>(['postgres', 'redis', 'none'])('with channel %s', (channelKind) => {
    let db: TestDatabase;
    let fake: FakeStripe;
    let a: TestApp;
    let b: TestApp;
    const name = `payments:test:${process.pid}:${Date.now()}`;

    beforeAll(async () => {
      db = await createTestDatabase(dbKind);
      fake = await FakeStripe.start({ seed: 21 });
      const payments = (): Partial<PaymentsModuleOptions> => ({ authGuard: AuthGuard('jwt'), entitlementsCacheTtlMs: TTL_MS, entitlementsChannel: channelFor(channelKind, name) });
      a = await startTestApp({ db, fake, controllers: [GatedController], payments: payments() });
      // B runs no queue workers: queued webhooks are processed on A only, so B still learns of a change only through the channel.
      b = await startTestApp({ db, fake, controllers: [GatedController], synchronize: false, registerWithFake: false, payments: { ...payments(), queue: { workers: false } } });
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
      await fake?.stop();
      await db?.drop();
    });

    const gate = (app: TestApp, userId: number) => () => fetch(`${app.url}/api/gated/exports`, { headers: app.auth(userId) }).then((r) => r.status);

    async function customerFor(userId: number) {
      const customer = await fake.client().customers.create({ email: `u${userId}@example.test`, metadata: { billable_id: String(userId) } });
      const store = a.app.get(BillableStore);
      await a.app.get(PaymentsTransactions).run(async (tx) => store.writeState(tx, (await store.lockById(tx, userId))!, { stripeCustomerId: customer.id }));
      return customer.id;
    }

    it(channelKind === 'none' ? 'keeps serving the cached plan on the other instance until the TTL' : 'lets an upgraded user in, and shuts a cancelled one out, on the other instance', async () => {
      const user = await a.createUser();
      const customer = await customerFor(user.id);
      expect(await gate(b, user.id)()).toBe(403); // B caches the free plan

      const subscription = await fake.client().subscriptions.create({ customer, items: [{ price: 'price_pro_month' }], metadata: { billable_id: String(user.id) } });
      await fake.waitForDeliveries();
      expect(await gate(a, user.id)()).toBe(200);
      const afterUpgrade = await waitFor(gate(b, user.id), 200, 3000);
      expect(afterUpgrade).toBe(channelKind === 'none' ? 403 : 200);
      if (channelKind === 'none') return;

      await fake.client().subscriptions.cancel(subscription.id);
      await fake.waitForDeliveries();
      expect(await gate(a, user.id)()).toBe(403);
      expect(await waitFor(gate(b, user.id), 403, 3000)).toBe(403);
    });

    if (channelKind !== 'none') {
      it('reconnects after the listening connection is cut and hears changes again', async () => {
        const user = await a.createUser();
        const customer = await customerFor(user.id);
        expect(await gate(b, user.id)()).toBe(403);
        await cutListeners(channelKind, db, name);
        // Written while B may not be listening: only the reset on reconnection can let B see it.
        await fake.client().subscriptions.create({ customer, items: [{ price: 'price_pro_month' }], metadata: { billable_id: String(user.id) } });
        await fake.waitForDeliveries();
        expect(await waitFor(gate(b, user.id), 200, 8000)).toBe(200);

        const other = await a.createUser();
        const otherCustomer = await customerFor(other.id);
        expect(await gate(b, other.id)()).toBe(403);
        await fake.client().subscriptions.create({ customer: otherCustomer, items: [{ price: 'price_pro_month' }], metadata: { billable_id: String(other.id) } });
        await fake.waitForDeliveries();
        expect(await waitFor(gate(b, other.id), 200, 3000)).toBe(200);
      });
    }
  });
});

/** Kills the channel's listening connections from outside, as a failover or a network cut would. */
async function cutListeners(kind: ChannelKind, db: TestDatabase, name: string): Promise<void> {
  if (kind === 'postgres') {
    const { DataSource } = await import('typeorm');
    const admin = new DataSource({ ...(db.options as object), type: 'postgres' } as never);
    await admin.initialize();
    const killed = await admin.query(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`);
    await admin.destroy();
    expect(killed.length).toBeGreaterThanOrEqual(1);
    return;
  }
  const redis = new Redis(REDIS_URL);
  const clients = String(await redis.client('LIST')).split('\n').filter((line) => line.includes(`sub=1`) || line.includes('cmd=subscribe'));
  let killed = 0;
  for (const line of clients) {
    const id = /(?:^| )id=(\d+)/.exec(line)?.[1];
    const channels = Number(/ sub=(\d+)/.exec(line)?.[1] ?? 0);
    if (id && channels > 0) killed += Number(await redis.client('KILL', 'ID', id));
  }
  await redis.quit();
  expect(killed).toBeGreaterThanOrEqual(1);
  void name;
}

// What may have been published while a channel was disconnected is lost: it must say so (onReset)
// so that Entitlements drops every cached state instead of serving it until the TTL.
describeEachDb(['postgres'])('a channel that lost its connection on %s', (dbKind) => {
  let db: TestDatabase;
  let dataSource: import('typeorm').DataSource;
  beforeAll(async () => {
    db = await createTestDatabase(dbKind);
    const { DataSource } = await import('typeorm');
    dataSource = await new DataSource({ ...(db.options as object) } as never).initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it.each<ChannelKind>(['postgres', 'redis'])('%s: calls onReset after reconnecting, and delivers other senders\' ids but not its own', async (kind) => {
    const name = `payments_reset_${process.pid}_${Date.now()}`;
    const make = () => (kind === 'postgres' ? new PostgresEntitlementsChannel(dataSource, { channel: name }) : new RedisEntitlementsChannel({ url: REDIS_URL, channel: name }));
    const listener = make();
    // The Redis sender publishes with a client the app owns (the channel must not close it).
    const appClient = kind === 'redis' ? new Redis(REDIS_URL) : null;
    const sender = appClient ? new RedisEntitlementsChannel({ client: appClient, channel: name }) : make();
    const heard: string[] = [];
    let resets = 0;
    const unsubscribe = await listener.subscribe((id) => heard.push(id), () => resets++);
    try {
      await listener.publish('own');
      await sender.publish('42:with:colons');
      await waitFor(async () => heard.length, 1, 2000);
      expect(heard).toEqual(['42:with:colons']);
      expect(resets).toBe(0);

      await cutListeners(kind, db, name);
      expect(await waitFor(async () => resets > 0, true, 8000)).toBe(true);
      // Messages sent before the reconnection completes are lost by design (that is what onReset covers).
      const heardAgain = await waitFor(async () => {
        await sender.publish('43');
        await new Promise((r) => setTimeout(r, 50));
        return heard.includes('43');
      }, true, 5000);
      expect(heardAgain).toBe(true);
    } finally {
      unsubscribe();
      await sender.close();
      if (appClient) {
        expect(await appClient.ping()).toBe('PONG');
        await appClient.quit();
      }
    }
  });
});

describe('entitlementsChannel option', () => {
  it('refuses a channel that is neither postgres nor an object with publish and subscribe', () => {
    expect(() => resolvePaymentsOptions({ plans: testPlans, billableEntity: TestUser, secretKey: 'sk_test_x', entitlementsChannel: 'redis' as never })).toThrow(
      `nestjs-headless-payments: entitlementsChannel must be 'postgres', a RedisEntitlementsChannel, or an object with publish() and subscribe(), not "redis".`,
    );
  });
});
