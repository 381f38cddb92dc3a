import { WebhookOperations } from '../webhooks/operations/webhook-operations.service';

/** Usage text of `nestjs-headless-payments`. */
export const USAGE = `Usage: nestjs-headless-payments <command> --module <file>#<ExportName>

Commands:
  events:failed                  list inbox events that failed or were abandoned
  events:replay <evt_id>         re-fetch one event from Stripe and process it
  events:replay --all-failed     replay every failed event
  sync <billableId>              resync one billable from Stripe
  sync --all                     resync every billable that has a Stripe customer
  --help                         print this text

--module (or NHP_APP_MODULE) names your compiled AppModule, e.g. ./dist/app.module.js#AppModule.`;

/** A parsed command line. */
export interface CliArgs {
  command: string | null;
  target: string | null;
  all: boolean;
  module: string | null;
}

/** Parses argv (without node and the script). */
export function parseCliArgs(argv: string[], env: Record<string, string | undefined> = {}): CliArgs {
  const args: CliArgs = { command: null, target: null, all: false, module: env.NHP_APP_MODULE ?? null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--module' || arg === '-m') args.module = argv[++i] ?? null;
    else if (arg.startsWith('--module=')) args.module = arg.slice('--module='.length);
    else if (arg === '--all' || arg === '--all-failed') args.all = true;
    else if (!args.command) args.command = arg;
    else if (!args.target) args.target = arg;
  }
  return args;
}

/** Runs one command against the app's WebhookOperations; returns the exit code and the JSON to print. */
export async function runCliCommand(ops: WebhookOperations, args: CliArgs): Promise<{ code: number; output: unknown }> {
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
      if (!args.all && !args.target) return { code: 2, output: { error: 'sync needs a billable id or --all' } };
      const result = args.all ? await ops.resyncAll() : await ops.resync(args.target as string);
      return { code: result.failed.length === 0 ? 0 : 1, output: result };
    }
    default:
      return { code: 2, output: { error: `unknown command ${args.command ?? '(none)'}`, usage: USAGE } };
  }
}
