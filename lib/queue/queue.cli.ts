import type { WorkQueue } from './work-queue.service';

/** What the CLI needs of a parsed command line. */
interface QueueCliArgs {
  command: string | null;
  target: string | null;
  all: boolean;
}

/** Usage lines of the queue commands, for the CLI's help. */
export const QUEUE_USAGE = `  queue:status                   work items per kind and status, and how late the oldest due one is
  queue:failed [kind]            list work items that ran out of attempts
  queue:retry <id> | --all-failed
                                 make failed work items pending again with fresh attempts
  queue:drain [kind]             run every due work item now, in this process`;

/** Runs one `queue:*` command; the exit code is 1 when something asked for could not be done. */
export async function runQueueCommand(queue: WorkQueue | undefined, args: QueueCliArgs): Promise<{ code: number; output: unknown }> {
  if (!queue) return { code: 2, output: { error: `${args.command} needs the WorkQueue provider of PaymentsModule` } };
  switch (args.command) {
    case 'queue:status':
      return { code: 0, output: await queue.stats() };
    case 'queue:failed':
      return { code: 0, output: await queue.failed(args.target ?? undefined, 1000) };
    case 'queue:retry': {
      if (!args.all && !args.target) return { code: 2, output: { error: 'queue:retry needs a work item id or --all-failed' } };
      const ids = args.all ? (await queue.failed(undefined, 10_000)).map((item) => item.id) : [args.target as string];
      const results = [];
      for (const id of ids) results.push({ id, retried: await queue.retry(id) });
      return { code: results.every((r) => r.retried) ? 0 : 1, output: results };
    }
    case 'queue:drain':
      return { code: 0, output: { ran: await queue.drain(args.target ?? undefined) } };
    default:
      return { code: 2, output: { error: `unknown command ${args.command}` } };
  }
}
