import { BadRequestException, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { TrackUsage, UsageLedger, UsageRecordEntity, UsageService } from '../../lib';
import { calendarMonth } from '../../lib/usage/usage-period';
import { createTestDatabase, testDatabases, TestDatabase } from '../support/test-databases';
import { startTestApp, TestApp } from '../support/test-app';

/** Handler runs per route, so a test can tell a replay from a second run. */
const runs = { call: 0, slow: 0, big: 0, instance: 0, fail: 0 };
let openGate: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();

class Shape {
  constructor(readonly id: number) {}
}

@Controller('keyed')
@UseGuards(AuthGuard('jwt'))
class KeyedController {
  @TrackUsageCalls()
  @Post('call')
  @HttpCode(202)
  call(@Query('n') n?: string) {
    runs.call++;
    return { run: runs.call, n: Number(n ?? 1), nested: { list: [1, 'two', null], at: new Date('2026-03-10T00:00:00.000Z') } };
  }

  @TrackUsageCalls()
  @Get('slow')
  async slow() {
    runs.slow++;
    await gate;
    return { slow: runs.slow };
  }

  @TrackUsageCalls()
  @Get('big')
  big() {
    runs.big++;
    return { run: runs.big, padding: 'x'.repeat(20_000) };
  }

  @TrackUsageCalls()
  @Get('instance')
  instance() {
    runs.instance++;
    return new Shape(runs.instance);
  }

  @TrackUsageCalls()
  @Get('fail')
  fail() {
    runs.fail++;
    throw new BadRequestException('handler failed');
  }
}

/** `@TrackUsage('api_calls')` with the quantity from `?n=` (default 1). */
function TrackUsageCalls() {
  return TrackUsage('api_calls', { quantity: (req: { query: { n?: string } }) => Number(req.query.n ?? 1) });
}

describe.each(testDatabases())('@TrackUsage idempotency keys on %s', (kind) => {
  let db: TestDatabase;
  let app: TestApp;
  let clock: Date;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    clock = new Date('2026-03-10T12:00:00.000Z');
    app = await startTestApp({ db, controllers: [KeyedController], payments: { authGuard: AuthGuard('jwt'), now: () => clock } });
  });
  afterAll(async () => {
    openGate();
    await app?.close();
    await db?.drop();
  });
  beforeEach(() => {
    clock = new Date('2026-03-10T12:00:00.000Z');
  });

  const send = async (method: string, path: string, userId: number, key?: string) => {
    const res = await fetch(`${app.url}/api/keyed/${path}`, { method, headers: { ...app.auth(userId), ...(key ? { 'Idempotency-Key': key } : {}) } });
    return { status: res.status, text: await res.text(), replayed: res.headers.get('idempotent-replayed') };
  };
  const used = (userId: number) => app.app.get(UsageService).getUsage(userId).then((m) => m.find((x) => x.metric === 'api_calls')!.used);

  it('30 sequential repeats of one key run the handler once and replay its status and body, marked Idempotent-Replayed', async () => {
    const user = await app.createUser();
    const before = runs.call;
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await send('POST', 'call', user.id, 'same-key-1'));
    expect(runs.call - before).toBe(1);
    expect(answers[0]).toMatchObject({ status: 202, replayed: null });
    expect(JSON.parse(answers[0].text)).toEqual({ run: runs.call, n: 1, nested: { list: [1, 'two', null], at: '2026-03-10T00:00:00.000Z' } });
    for (const answer of answers.slice(1)) expect(answer).toEqual({ status: 202, text: answers[0].text, replayed: 'true' });
    expect(await used(user.id)).toBe(1);
  });

  it('40 parallel repeats of one key run the handler once; each gets the answer (or 409 while it runs)', async () => {
    const user = await app.createUser();
    const before = runs.call;
    const answers = await Promise.all(Array.from({ length: 40 }, () => send('POST', 'call', user.id, 'parallel-key')));
    expect(runs.call - before).toBe(1);
    const first = answers.find((a) => a.replayed === null)!;
    expect(first.status).toBe(202);
    for (const answer of answers) {
      if (answer.status === 409) expect(JSON.parse(answer.text)).toMatchObject({ code: 'idempotency_key_in_use' });
      else expect(answer).toMatchObject({ status: 202, text: first.text });
    }
    expect(answers.filter((a) => a.status === 202)).toHaveLength(answers.filter((a) => a.status !== 409).length);
    expect(answers.filter((a) => a.status === 202 && a.replayed === null)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409).length).toBeLessThan(40);
    expect(await used(user.id)).toBe(1);
  });

  it('replays a key already counted after unkeyed calls reached the limit, and refuses new keys', async () => {
    const user = await app.createUser();
    const first = await send('POST', 'call', user.id, 'old-key');
    for (let i = 0; i < 4; i++) expect((await send('POST', 'call', user.id)).status).toBe(202);
    expect((await send('POST', 'call', user.id)).status).toBe(429);
    const before = runs.call;
    const again = await send('POST', 'call', user.id, 'old-key');
    expect(again).toEqual({ status: 202, text: first.text, replayed: 'true' });
    expect(runs.call).toBe(before);
    expect((await send('POST', 'call', user.id, 'new-key')).status).toBe(429);
    expect(await used(user.id)).toBe(5);
  });

  it('answers 422 idempotency_key_mismatch to a key reused with another quantity, without running or counting', async () => {
    const user = await app.createUser();
    expect((await send('POST', 'call?n=1', user.id, 'qty-key')).status).toBe(202);
    const before = runs.call;
    const other = await send('POST', 'call?n=2', user.id, 'qty-key');
    expect(other.status).toBe(422);
    expect(JSON.parse(other.text)).toEqual({ statusCode: 422, code: 'idempotency_key_mismatch', message: expect.any(String), metric: 'api_calls', quantity: 1 });
    expect(runs.call).toBe(before);
    expect(await used(user.id)).toBe(1);
  });

  it('a repeat while the first still runs waits, then gets 409 idempotency_key_in_use; after it, the replay', async () => {
    const user = await app.createUser();
    gate = new Promise<void>((resolve) => (openGate = resolve));
    const before = runs.slow;
    const first = send('GET', 'slow', user.id, 'slow-key');
    await waitFor(() => runs.slow > before);
    const started = Date.now();
    const busy = await send('GET', 'slow', user.id, 'slow-key');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(busy.status).toBe(409);
    expect(JSON.parse(busy.text)).toMatchObject({ code: 'idempotency_key_in_use' });
    // A repeat that arrives while it runs and finishes inside the wait gets the answer.
    const waiting = send('GET', 'slow', user.id, 'slow-key');
    await new Promise((resolve) => setTimeout(resolve, 200));
    openGate();
    const [done, replay] = await Promise.all([first, waiting]);
    expect(done).toMatchObject({ status: 200, replayed: null });
    expect(replay).toEqual({ status: 200, text: done.text, replayed: 'true' });
    expect(runs.slow - before).toBe(1);
    expect(await used(user.id)).toBe(1);
  });

  it('counts a key again once its 24 h window has passed (module clock), and per period', async () => {
    const user = await app.createUser();
    const first = await send('POST', 'call', user.id, 'window-key');
    clock = new Date(clock.getTime() + 23 * 3_600_000);
    expect(await send('POST', 'call', user.id, 'window-key')).toEqual({ status: 202, text: first.text, replayed: 'true' });
    clock = new Date(clock.getTime() + 3_600_000);
    const before = runs.call;
    const fresh = await send('POST', 'call', user.id, 'window-key');
    expect(fresh).toMatchObject({ status: 202, replayed: null });
    expect(runs.call).toBe(before + 1);
    expect(fresh.text).not.toBe(first.text);
    expect(await used(user.id)).toBe(2);
    // The next period starts its own keys: the same key counts there, once.
    clock = new Date('2026-04-02T00:00:00.000Z');
    expect((await send('POST', 'call', user.id, 'window-key')).replayed).toBeNull();
    expect((await send('POST', 'call', user.id, 'window-key')).replayed).toBe('true');
    expect(await used(user.id)).toBe(1);
    const records = await app.dataSource.getRepository(UsageRecordEntity).findBy({ billableId: String(user.id), idempotencyKey: 'window-key' });
    expect(records.map((r) => r.periodStart.toISOString()).sort()).toEqual(['2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z']);
  });

  it('a failed handler releases its key, and the retry runs and counts', async () => {
    const user = await app.createUser();
    const before = runs.fail;
    expect((await send('GET', 'fail', user.id, 'fail-key')).status).toBe(400);
    expect((await send('GET', 'fail', user.id, 'fail-key')).status).toBe(400);
    expect(runs.fail - before).toBe(2);
    expect(await used(user.id)).toBe(0);
    expect(await send('POST', 'call', user.id, 'fail-key')).toMatchObject({ status: 202, replayed: null });
    expect(await used(user.id)).toBe(1);
  });

  it('counts once but never replays an answer too large or not plain JSON data: 409 idempotency_response_not_stored', async () => {
    const user = await app.createUser();
    const big = await send('GET', 'big', user.id, 'big-key');
    expect(big.status).toBe(200);
    expect(big.text.length).toBeGreaterThan(20_000);
    const bigRuns = runs.big;
    const bigAgain = await send('GET', 'big', user.id, 'big-key');
    expect(bigAgain.status).toBe(409);
    expect(JSON.parse(bigAgain.text)).toMatchObject({ code: 'idempotency_response_not_stored', replayedStatus: 200 });
    expect(runs.big).toBe(bigRuns);
    expect((await send('GET', 'instance', user.id, 'instance-key')).status).toBe(200);
    const instanceRuns = runs.instance;
    expect(JSON.parse((await send('GET', 'instance', user.id, 'instance-key')).text)).toMatchObject({ code: 'idempotency_response_not_stored' });
    expect(runs.instance).toBe(instanceRuns);
    expect(await used(user.id)).toBe(2);
  });

  it('UsageService with a key: a repeat counts nothing and says so, even over the limit', async () => {
    const user = await app.createUser();
    const usage = app.app.get(UsageService);
    const first = await usage.consume(user.id, 'api_calls', 2, 'job-1');
    expect(first).toMatchObject({ duplicate: false, replay: null });
    await usage.consume(user.id, 'api_calls', 3);
    const repeat = await usage.consume(user.id, 'api_calls', 2, 'job-1');
    expect(repeat).toMatchObject({ duplicate: true, replay: { status: null, stored: false } });
    await expect(usage.consume(user.id, 'api_calls', 3, 'job-1')).rejects.toMatchObject({ status: 422, code: 'idempotency_key_mismatch' });
    await expect(usage.consume(user.id, 'api_calls', 1, 'job-2')).rejects.toMatchObject({ status: 429, code: 'usage_limit_exceeded' });
    expect(await used(user.id)).toBe(5);
  });

  it('the exported ledger refuses quantities that are not positive whole numbers, before any SQL', async () => {
    const user = await app.createUser();
    const ledger = app.app.get(UsageLedger);
    const period = calendarMonth(clock);
    for (const quantity of [0, -1, 1.5, Number.NaN, 2 ** 31, '1); DROP TABLE users; --' as unknown as number]) {
      await expect(ledger.reserve({ billableId: String(user.id), metric: 'api_calls', quantity, limit: -1, period })).rejects.toMatchObject({
        status: 400,
        code: 'invalid_request',
      });
    }
    expect(await ledger.used(String(user.id), 'api_calls', period.start)).toBe(0);
    const outcome = await ledger.reserve({ billableId: String(user.id), metric: 'api_calls', quantity: 7, limit: -1, period });
    expect(await ledger.used(String(user.id), 'api_calls', period.start)).toBe(7);
    if (!outcome.admitted) throw new Error('not admitted');
    await expect(ledger.release({ ...outcome.reservation, quantity: '7 - used' as unknown as number })).rejects.toMatchObject({ code: 'invalid_request' });
    await ledger.release(outcome.reservation);
    expect(await ledger.used(String(user.id), 'api_calls', period.start)).toBe(0);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('condition never held');
}
