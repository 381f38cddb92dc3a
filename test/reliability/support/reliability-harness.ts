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
import { SEED } from './reliability-env';

/** The default guard, imported statically (Jest cannot run the module's dynamic import of @nestjs/passport). */
export const jwtGuard = AuthGuard('jwt');

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
  close(): Promise<void>;
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
  const common = {
    // Each scenario sets its own delivery (order, duplicates) and measures against it.
    db, fake, registerWithFake: false, realisticDelivery: false, providers: [ReliabilityProbe], controllers: [MeteredController],
    payments: { authGuard: jwtGuard }, configure: bodyLimit,
  };
  const a = await startTestApp({ ...common, logger: new CapturingLogger(capture, 'app-a') });
  for (const sql of PROBE_TABLES_SQL) await a.dataSource.query(sql);
  const b = await startTestApp({ ...common, synchronize: false, logger: new CapturingLogger(capture, 'app-b') });
  const proxy = new RoundRobinProxy([a.url, b.url], capture);
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
    close: async () => {
      http.close();
      await proxy.stop();
      await b.close();
      await a.close();
      await fake.stop();
      await db.drop();
    },
  };
}
