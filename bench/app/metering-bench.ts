import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AddressInfo } from 'node:net';
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { PAYMENTS_ENTITIES, PaymentsModule, SubscriptionMixin, TrackUsage, UsageOperations, UsageService } from 'nestjs-headless-payments';
import { FakeStripe } from 'nestjs-headless-payments/testing';
import { benchDatabaseOptions } from './bench-app.module';

class Base {}
@Entity('bench_meter_users')
class MeterUser extends SubscriptionMixin(Base) {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: String, nullable: true })
  email: string | null;
}

@Controller('bench')
class MeterBenchController {
  @TrackUsage('api_calls')
  @Get('call')
  call() {
    return { ok: true };
  }
}

const plans = {
  free: { name: 'Free', limits: { api_calls: 10 } },
  flat: { name: 'Flat', priceId: 'price_bench_flat', limits: { api_calls: -1 } },
  metered: { name: 'Metered', metered: { api_calls: { meter: 'api_calls', priceId: 'price_bench_calls' } } },
};

/** One run's figures: route ratio, reporter throughput, Stripe calls. */
export interface MeteringFigures {
  routeRps: { flat: number[]; metered: number[]; ratio: number };
  recorded: number;
  billables: number;
  windows: number;
  reportSeconds: number;
  usesDrainedPerSecond: number;
  stripeMeterCalls: number;
  stripeCallsPer100kUses: number;
  stripeCallsPerWindow: number;
  exact: boolean;
}

/**
 * In-process metering bench: the same `@TrackUsage` route for billables on a flat plan and on a
 * metered plan (one extra window UPDATE in the usage transaction), alternated in rounds; then
 * `uses` metered uses over `billables` billables and one `UsageOperations.report()`.
 */
export async function runMeteringBench(settings: { rounds: number; requests: number; connections: number; uses: number; billables: number }): Promise<MeteringFigures> {
  const fake = await FakeStripe.start({ seed: 14 });
  const meter = fake.createMeter('api_calls');
  fake.createPrice({ id: 'price_bench_flat', unitAmount: 1000, interval: 'month' });
  fake.createPrice({ id: 'price_bench_calls', unitAmount: 1, interval: 'month', meter: meter.id });

  @Module({
    imports: [
      TypeOrmModule.forRoot({ ...benchDatabaseOptions(), entities: [MeterUser, ...PAYMENTS_ENTITIES] } as never),
      PaymentsModule.forRoot({
        secretKey: fake.secretKey, webhookSecret: fake.webhookSecret, stripeClientOptions: fake.stripeConfig(), plans, billableEntity: MeterUser,
        authGuard: null, getBillableId: (req: { headers: Record<string, string> }) => req.headers['x-billable'],
        // Reported only by the explicit report() below: the run measures recording, then draining.
        metering: { windowMinutes: 60, graceSeconds: 3600 },
      }),
    ],
    controllers: [MeterBenchController],
  })
  class MeteringBenchModule {}

  const app = await NestFactory.create(MeteringBenchModule, { logger: ['error', 'warn'] });
  app.setGlobalPrefix('api');
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const data = app.get(DataSource);
  const stripe = fake.client();
  const now = new Date();
  const users = async (plan: string, count: number) => {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const customer = await stripe.customers.create({ email: `${plan}${i}@bench.example` });
      const row = await data.getRepository(MeterUser).save({
        email: customer.email, stripeCustomerId: customer.id, plan, subscriptionStatus: 'active',
        currentPeriodStart: new Date(now.getTime() - 86_400_000), currentPeriodEnd: new Date(now.getTime() + 29 * 86_400_000),
      } as never);
      ids.push((row as unknown as MeterUser).id);
    }
    return ids;
  };
  try {
    const flatUsers = await users('flat', settings.connections);
    const meteredUsers = await users('metered', settings.connections);
    const load = async (ids: number[]) => {
      let next = 0;
      const started = process.hrtime.bigint();
      await Promise.all(ids.map(async (id) => {
        while (next < settings.requests) {
          next++;
          const res = await fetch(`${url}/api/bench/call`, { headers: { 'x-billable': String(id) } });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`bench: ${res.status}`);
        }
      }));
      return Math.round(settings.requests / (Number(process.hrtime.bigint() - started) / 1e9));
    };
    const flat: number[] = [];
    const metered: number[] = [];
    await load(flatUsers);
    await load(meteredUsers);
    for (let r = 0; r < settings.rounds; r++) {
      flat.push(await load(flatUsers));
      metered.push(await load(meteredUsers));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    // The fake's clock stands still unless advanced; Stripe's refuses events more than 5 minutes ahead of it.
    const catchUpClock = () => fake.advanceTime(Math.max(0, Math.floor(Date.now() / 1000) - fake.now()));
    await catchUpClock();
    await app.get(UsageOperations).report();
    const callsBefore = fake.requests.filter((r) => r.path === '/v1/billing/meter_events').length;

    const billables = await users('metered', settings.billables);
    const usage = app.get(UsageService);
    let n = 0;
    await Promise.all(Array.from({ length: settings.connections }, async () => {
      while (n < settings.uses) {
        const i = n++;
        await usage.record(billables[i % billables.length], 'api_calls', 1);
      }
    }));
    const windows = await data.query(`SELECT COUNT(*) AS c FROM payments_meter_windows WHERE status = 'open'`);
    await catchUpClock();
    const started = process.hrtime.bigint();
    await app.get(UsageOperations).report();
    // A window whose send failed waits out its backoff: report again until every window is sent (the time includes the waits).
    const unsent = async () => Number((await data.query(`SELECT COUNT(*) AS c FROM payments_meter_windows WHERE status IN ('open', 'sealed')`))[0].c);
    for (let i = 0; i < 60 && (await unsent()) > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await app.get(UsageOperations).report();
    }
    const reportSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const calls = fake.requests.filter((r) => r.path === '/v1/billing/meter_events').length - callsBefore;
    let exact = true;
    for (const id of billables.slice(0, 20)) {
      const customer = (await data.getRepository(MeterUser).findOneByOrFail({ id })).stripeCustomerId!;
      if (fake.meterTotals(customer, 'api_calls') !== Math.floor(settings.uses / billables.length) + (billables.indexOf(id) < settings.uses % billables.length ? 1 : 0)) exact = false;
    }
    return {
      routeRps: { flat, metered, ratio: Math.round((median(metered) / median(flat)) * 100) / 100 },
      recorded: settings.uses, billables: settings.billables, windows: Number(windows[0].c), reportSeconds: Math.round(reportSeconds * 10) / 10,
      usesDrainedPerSecond: Math.round(settings.uses / reportSeconds), stripeMeterCalls: calls,
      stripeCallsPer100kUses: Math.round((calls / settings.uses) * 100_000), stripeCallsPerWindow: Math.round((calls / Math.max(1, Number(windows[0].c))) * 100) / 100, exact,
    };
  } finally {
    await app.close();
    await fake.stop();
  }
}
