#!/usr/bin/env node
import 'reflect-metadata';
import { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { resolve } from 'node:path';
import type Stripe from 'stripe';
import { PAYMENTS_OPTIONS, STRIPE_CLIENT } from '../payments.constants';
import { PlanCatalog } from '../plans/plan-catalog';
import { SeatOperations } from '../seats/seat-operations.service';
import { PaymentsRetention } from '../persistence/retention/payments-retention.service';
import { WebhookOperations } from '../webhooks/operations/webhook-operations.service';
import { disableQueueWorkersInThisProcess, WorkQueue } from '../queue/work-queue.service';
import { runUsageCommand } from '../metering/usage-cli';
import { UsageOperations } from '../metering/usage-operations.service';
import { parseCliArgs, runCliCommand, USAGE } from './cli-commands';
import { clientApiVersion, formatDoctorReport, runDoctor } from './doctor';

/** Loads `<file>#<ExportName>` (ExportName defaults to AppModule) relative to the working directory. */
export function loadAppModule(spec: string): Type<unknown> {
  const [file, exportName = 'AppModule'] = spec.split('#');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(resolve(process.cwd(), file));
  const mod = loaded[exportName] ?? loaded.default;
  if (typeof mod !== 'function') throw new Error(`${file} does not export ${exportName}`);
  return mod;
}

/** Boots the app as a standalone context (no HTTP server), runs one command, prints JSON. */
export async function main(argv = process.argv.slice(2)): Promise<number> {
  if (argv.some((arg) => arg === '--help' || arg === '-h') || argv[0] === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const args = parseCliArgs(argv, process.env);
  if (!args.command || !args.module) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  // A command must not start taking the app's work in the background (queue:drain runs it in the open).
  disableQueueWorkersInThisProcess();
  const app = await NestFactory.createApplicationContext(loadAppModule(args.module), { logger: ['error', 'warn'] });
  try {
    if (args.command === 'doctor') {
      const stripe = app.get<Stripe>(STRIPE_CLIENT);
      const report = await runDoctor(stripe, app.get(PlanCatalog), app.get(PAYMENTS_OPTIONS), clientApiVersion(stripe));
      process.stdout.write(formatDoctorReport(report));
      return report.ok ? 0 : 1;
    }
    if (args.command === 'seats:check') {
      const report = await app.get(SeatOperations).checkDrift();
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return report.drifted === 0 && report.failed.length === 0 ? 0 : 1;
    }
    const usage = args.command.startsWith('usage:') ? await runUsageCommand(app.get(UsageOperations), args.command, argv) : null;
    if (usage) {
      process.stdout.write(`${JSON.stringify(usage.output, null, 2)}\n`);
      return usage.code;
    }
    const { code, output } = await runCliCommand(app.get(WebhookOperations), args, app.get(PaymentsRetention), app.get(WorkQueue));
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    return code;
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`nestjs-headless-payments: ${(error as Error)?.message ?? error}\n`);
      process.exit(1);
    },
  );
}
