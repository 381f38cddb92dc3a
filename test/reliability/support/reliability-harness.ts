import { Controller, Get, INestApplication, Query, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { DataSource } from 'typeorm';
import { PlanCatalog, TrackUsage } from '../../../lib';
import { FakeStripe } from '../../../lib/testing';
import { startTestApp, TestApp } from '../../support/test-app';
import { createTestDatabase, TestDatabase } from '../../support/test-databases';
import { testPlans, testPrices } from '../../support/test-plans';
import { TestUser } from '../../support/test-user.entity';
import { Capture, CapturingLogger } from './capture';
import { HttpClient } from './http-client';
import { PROBE_TABLES_SQL, ReliabilityProbe } from './reliability-probe';
import { RoundRobinProxy } from './round-robin.proxy';
import { INSTANCES, SEED, WEBHOOK_MODE } from './reliability-env';

/** The default guard, imported statically (Jest cannot run the module's dynamic import of @nestjs/passport). */
export const jwtGuard = AuthGuard('jwt');

/** The apps' Stripe client timeout. */
export const HARNESS_STRIPE_TIMEOUT_MS = 3_000;

/** Runs of `GET /metered/keyed` on both instances (one process), for R14. */
export const keyedRuns = { count: 0 };

/** Metered routes for R10/R11: one unit per call, or a quantity the client names (to abuse). */
@Controller('metered')
@UseGuards(jwtGuard)
export class MeteredController {
  @TrackUsage('api_calls')
  @Get('call')
  call() {
    return { ok: true };
  }

  /** R14: every run of the handler gets a new number, so a replay (same number) is told from a second run. */
  @TrackUsage('api_calls')
  @Get('keyed')
  keyed() {
    return { run: ++keyedRuns.count };
  }

  @TrackUsage('exports', { quantity: (req: { query: { q?: string } }) => Number(req.query.q) })
  @Get('export')
  exportMany(@Query('q') q: string) {
    return { ok: true, q };
  }
}

/** Two app instances on one PostgreSQL database behind a round-robin proxy, one FakeStripe, one capture. */
export interface Harness {
  db: TestDatabase;
  fake: FakeStripe;
  apps: [TestApp, TestApp];
  proxy: RoundRobinProxy;
  http: HttpClient;
  capture: Capture;
  catalog: PlanCatalog;
  /** The first instance's DataSource, for the oracle's reads. */
  sql: DataSource;
  /** Calls a payments route on an instance as a user. */
  call(instance: number, method: string, path: string, user?: number, body?: unknown): ReturnType<HttpClient['json']>;
  user(): Promise<TestUser>;
  /** Queued mode: runs what both instances queued until nothing is left (the fake's waitForDeliveries does it too). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** The apps' work-queue lease: short, so a dead instance's event is taken over within seconds (R20). */
export const HARNESS_QUEUE_LEASE_MS = 2_000;

/** What every instance of the harness is started with (each scenario sets its own delivery). */
function instanceOptions(db: TestDatabase, fake: FakeStripe) {
  return {
    db, fake, registerWithFake: false, realisticDelivery: false, providers: [ReliabilityProbe], controllers: [MeteredController],
    // 3 s: R19's Stripe answers in 2 s and must not time out; R8 hangs past it. Short queue retries
    // and lease, so that the suite waits seconds, not minutes, for a retry or a takeover.
    payments: {
      authGuard: jwtGuard, stripeTimeoutMs: HARNESS_STRIPE_TIMEOUT_MS, webhook: { processing: WEBHOOK_MODE },
      queue: { leaseMs: HARNESS_QUEUE_LEASE_MS, retryBaseMs: 200, retryMaxMs: 2_000 },
    },
    configure: bodyLimit,
  };
}

/**
 * One more instance on the harness's database (not behind the proxy), for scenarios that kill an
 * instance; the caller closes it.
 */
export async function startExtraInstance(h: Harness, name: string): Promise<TestApp & { leaseMs: number }> {
  const app = await startTestApp({ ...instanceOptions(h.db, h.fake), synchronize: false, logger: new CapturingLogger(h.capture, name) });
  return Object.assign(app, { leaseMs: HARNESS_QUEUE_LEASE_MS });
}

const bodyLimit = (app: INestApplication): void => {
  // Real apps must let a 1 MB webhook through their JSON parser (README); the webhook caps it itself.
  (app as unknown as { useBodyParser(type: string, options: object): void }).useBodyParser('json', { limit: '1mb' });
};

export async function startHarness(): Promise<Harness> {
  const capture = new Capture();
  const db = await createTestDatabase('postgres');
  const fake = await FakeStripe.start({ seed: SEED, logger: capture.fakeLogger, retryScheduleMs: [100, 300, 1000, 2000, 4000] });
  for (const price of testPrices) fake.createPrice(price);
  const common = instanceOptions(db, fake);
  const a = await startTestApp({ ...common, logger: new CapturingLogger(capture, 'app-a') });
  for (const sql of PROBE_TABLES_SQL) await a.dataSource.query(sql);
  const b = await startTestApp({ ...common, synchronize: false, logger: new CapturingLogger(capture, 'app-b') });
  // RELIABILITY_INSTANCES=3: a third instance behind the proxy (it takes deliveries; scenarios still call a and b).
  const c = INSTANCES === 3 ? await startTestApp({ ...common, synchronize: false, logger: new CapturingLogger(capture, 'app-c') }) : null;
  const proxy = new RoundRobinProxy([a.url, b.url, ...(c ? [c.url] : [])], capture);
  await proxy.start();
  fake.addWebhookEndpoint(`${proxy.url}/api/payments/webhook`);
  const http = new HttpClient(capture);
  const apps: [TestApp, TestApp] = [a, b];
  return {
    db, fake, apps, proxy, http, capture, catalog: new PlanCatalog(testPlans), sql: a.dataSource,
    call: (instance, method, path, user, body) => {
      const app = apps[instance % 2];
      return http.json(`${app.url}/api/payments/${path}`, method, user !== undefined ? app.auth(user) : {}, body);
    },
    user: () => a.createUser(),
    settle: async () => {
      await Promise.all([...apps, ...(c ? [c] : [])].map((app) => app.settle()));
    },
    close: async () => {
      http.close();
      await proxy.stop();
      await c?.close();
      await b.close();
      await a.close();
      await fake.stop();
      await db.drop();
    },
  };
}
