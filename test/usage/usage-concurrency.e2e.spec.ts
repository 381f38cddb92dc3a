import { Controller, Get, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { definePlans, LimitName, TrackUsage, UsageCounterEntity, UsageRecordEntity } from '../../lib';
import { createTestDatabase, describeEachDb, TestDatabase } from '../support/test-databases';
import { startTestApp, TestApp } from '../support/test-app';

const plans = definePlans({
  free: { name: 'Free', limits: { api_calls: 50, exports: 100_000 } },
  pro: { name: 'Pro', priceId: 'price_pro_month', limits: { api_calls: 1000, exports: -1 } },
});

@Controller('metered')
@UseGuards(AuthGuard('jwt'))
class MeteredController {
  @TrackUsage('api_calls')
  @Get('call')
  call() {
    return { ok: true };
  }

  @TrackUsage('exports')
  @Get('export')
  export() {
    return { ok: true };
  }
}

// R11 at test scale: two app instances on one PostgreSQL database, requests fired all at once.
describeEachDb(['postgres'])('exact usage counting across 2 instances on %s', (kind) => {
  let db: TestDatabase;
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    const payments = { authGuard: AuthGuard('jwt'), plans };
    first = await startTestApp({ db, controllers: [MeteredController], payments });
    second = await startTestApp({ db, controllers: [MeteredController], payments, synchronize: false, registerWithFake: false });
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await db?.drop();
  });

  const fire = (path: string, userId: number, key: string | null, i: number) => {
    const app = i % 2 === 0 ? first : second;
    return fetch(`${app.url}/api${path}`, { headers: { ...app.auth(userId), ...(key ? { 'Idempotency-Key': key } : {}) } }).then((res) => ({ status: res.status, key }));
  };
  const counter = (userId: number, metric: string) =>
    first.dataSource.getRepository(UsageCounterEntity).findBy({ billableId: String(userId), metric });

  it('admits exactly the limit of 100 concurrent requests, counting 10% repeated idempotency keys once', async () => {
    const user = await first.createUser();
    // 90 distinct keys; requests 90..99 repeat keys 0..9, interleaved with the first uses.
    const keys = Array.from({ length: 100 }, (_, i) => `k-${i < 90 ? i : i - 90}`);
    const order = keys.map((key, i) => ({ key, i })).sort((a, b) => ((a.i * 37) % 100) - ((b.i * 37) % 100));
    const results = await Promise.all(order.map(({ key, i }) => fire('/metered/call', user.id, key, i)));
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    // Either request of a repeated key may run first (they race); the other, arriving while the first
    // still runs, may wait past inFlightWaitMs: 409, never counted. At most one such 409 per key.
    const repeatedKeys = new Set(keys.slice(90));
    expect(results.filter((r) => !(r.status === 200 || r.status === 429 || (r.status === 409 && repeatedKeys.has(r.key!))))).toEqual([]);
    for (const key of repeatedKeys) expect(results.filter((r) => r.key === key && r.status === 409).length).toBeLessThanOrEqual(1);
    const rows = await counter(user.id, 'api_calls');
    expect(rows).toHaveLength(1);
    expect(rows[0].used).toBe(50);
    const records = await first.dataSource.getRepository(UsageRecordEntity).findBy({ billableId: String(user.id), metric: 'api_calls' });
    const committed = new Set(records.filter((r) => r.status === 'committed').map((r) => r.idempotencyKey));
    expect(committed.size).toBe(50);
    expect(records.filter((r) => r.status !== 'committed')).toEqual([]);
    // Every admitted request belongs to a counted key, and every counted key was admitted.
    const admitted = new Set(results.filter((r) => r.status === 200).map((r) => r.key));
    expect([...admitted].sort()).toEqual([...committed].sort());
  });

  it('admits exactly the limit without keys (50 of 100 answered 200, 50 answered 429)', async () => {
    const user = await first.createUser();
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => fire('/metered/call', user.id, null, i)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(50);
    expect(results.filter((r) => r.status === 429)).toHaveLength(50);
    expect((await counter(user.id, 'api_calls'))[0].used).toBe(50);
  });

  it('loses no increment under the limit: 300 concurrent uses on both instances count 300', async () => {
    const user = await first.createUser();
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => fire('/metered/export', user.id, i % 10 === 0 ? `e-${i}` : null, i)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect((await counter(user.id, 'exports'))[0].used).toBe(300);
  });
});
