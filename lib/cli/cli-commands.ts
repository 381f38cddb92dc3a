import { USAGE_CLI_HELP } from '../metering/usage-cli';
import { LinkBy } from '../webhooks/operations/customer-linker';
import { parseSince } from '../webhooks/operations/event-catch-up';
import type { PaymentsRetention } from '../persistence/retention/payments-retention.service';
import { WebhookOperations } from '../webhooks/operations/webhook-operations.service';
import { QUEUE_USAGE, runQueueCommand } from '../queue/queue.cli';
import type { WorkQueue } from '../queue/work-queue.service';

/** Usage text of `nestjs-headless-payments`. */
export const USAGE = `Usage: nestjs-headless-payments <command> --module <file>#<ExportName>

Commands:
  events:failed                  list inbox events that failed or were abandoned
  events:replay <evt_id>         re-fetch one event from Stripe and process it
  events:replay --all-failed     replay every failed event
  sync <billableId>              resync one billable from Stripe
  sync --all                     resync every billable that has a Stripe customer
  sync --check                   compare every billable with Stripe and print the differences (writes nothing)
  events:catch-up --since <t>    process Stripe's events since <t> (ISO date, or 90m / 12h / 3d; at most 30 days)
                                 that the inbox never completed
  customers:link [--by metadata|email] [--apply]
                                 attach existing Stripe customers to billables without one
                                 (dry run unless --apply; by metadata.billable_id by default)
  seats:check                    compare stored seats with Stripe subscription quantities (exit 1 on drift)
  doctor                         check prices, webhook endpoint and API version at Stripe (exit 1 on problems)
  prune                          delete processed inbox rows and usage records past their retention
${QUEUE_USAGE}
${USAGE_CLI_HELP}
  --help                         print this text

--module (or NHP_APP_MODULE) names your compiled AppModule, e.g. ./dist/app.module.js#AppModule.`;

/** A parsed command line. */
export interface CliArgs {
  command: string | null;
  target: string | null;
  all: boolean;
  module: string | null;
  /** `sync --check`: compare only. */
  check: boolean;
  /** `customers:link --apply`: write the links. */
  apply: boolean;
  /** `events:catch-up --since <t>`. */
  since: string | null;
  /** `customers:link --by metadata|email`. */
  by: string | null;
}

/** Parses argv (without node and the script). */
export function parseCliArgs(argv: string[], env: Record<string, string | undefined> = {}): CliArgs {
  const args: CliArgs = { command: null, target: null, all: false, module: env.NHP_APP_MODULE ?? null, check: false, apply: false, since: null, by: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--module' || arg === '-m') args.module = argv[++i] ?? null;
    else if (arg.startsWith('--module=')) args.module = arg.slice('--module='.length);
    else if (arg === '--all' || arg === '--all-failed') args.all = true;
    else if (arg === '--check') args.check = true;
    else if (arg === '--apply') args.apply = true;
    else if (arg === '--since' || arg === '--by') args[arg === '--since' ? 'since' : 'by'] = argv[++i] ?? null;
    else if (arg.startsWith('--since=')) args.since = arg.slice('--since='.length);
    else if (arg.startsWith('--by=')) args.by = arg.slice('--by='.length);
    else if (!args.command) args.command = arg;
    else if (!args.target) args.target = arg;
  }
  return args;
}

/** Runs one command against the app's WebhookOperations (PaymentsRetention for `prune`, WorkQueue for `queue:*`); returns the exit code and the JSON to print. */
export async function runCliCommand(ops: WebhookOperations, args: CliArgs, retention?: PaymentsRetention, queue?: WorkQueue): Promise<{ code: number; output: unknown }> {
  if (args.command?.startsWith('queue:')) return runQueueCommand(queue, args);
  switch (args.command) {
    case 'events:failed': {
      const rows = await ops.failedEvents();
      return { code: 0, output: rows.map((r) => ({ id: r.id, type: r.type, status: r.status, attempts: r.attempts, lastError: r.lastError, receivedAt: r.receivedAt })) };
    }
    case 'events:replay': {
      if (!args.all && !args.target) return { code: 2, output: { error: 'events:replay needs an event id or --all-failed' } };
      const results = args.all ? await ops.replayAllFailed() : [await ops.replay(args.target as string)];
      const ok = results.every((r) => r.outcome === 'processed' || r.outcome === 'ignored' || r.outcome === 'duplicate');
      return { code: ok ? 0 : 1, output: results };
    }
    case 'sync': {
      if (args.check) {
        const report = await ops.checkDrift();
        return { code: report.drifted === 0 && report.failed.length === 0 ? 0 : 1, output: report };
      }
      if (!args.all && !args.target) return { code: 2, output: { error: 'sync needs a billable id, --all or --check' } };
      const result = args.all ? await ops.resyncAll() : await ops.resync(args.target as string);
      return { code: result.failed.length === 0 ? 0 : 1, output: result };
    }
    case 'events:catch-up': {
      if (!args.since) return { code: 2, output: { error: 'events:catch-up needs --since <ISO date | 90m | 12h | 3d>' } };
      let since: Date;
      try {
        since = parseSince(args.since, new Date());
      } catch (error) {
        return { code: 2, output: { error: (error as Error).message } };
      }
      const result = await ops.catchUp(since);
      return { code: result.failed.length === 0 ? 0 : 1, output: result };
    }
    case 'customers:link': {
      const by = (args.by ?? 'metadata') as LinkBy;
      if (by !== 'metadata' && by !== 'email') return { code: 2, output: { error: `customers:link --by takes metadata or email, not '${args.by}'` } };
      return { code: 0, output: await ops.linkCustomers({ by, apply: args.apply }) };
    }
    case 'prune': {
      if (!retention) return { code: 2, output: { error: 'prune needs the PaymentsRetention provider of PaymentsModule' } };
      return { code: 0, output: await retention.prune() };
    }
    default:
      return { code: 2, output: { error: `unknown command ${args.command ?? '(none)'}`, usage: USAGE } };
  }
}
