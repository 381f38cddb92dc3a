import { monthOf, parseReconcilePeriod, UsageOperations } from './usage-operations.service';

/** Usage lines of the metering commands, for the CLI's help text. */
export const USAGE_CLI_HELP = `  usage:report                   report every unreported metered window to Stripe now
  usage:reconcile [--period P]   compare local metered totals with Stripe's meter event summaries per billable
                                 and meter (P: 2026-11, or <iso>..<iso>; default this UTC month); exit 1 on drift`;

/** Runs `usage:report` / `usage:reconcile`; null when `command` is not one of them. */
export async function runUsageCommand(ops: UsageOperations, command: string, argv: string[], now = new Date()): Promise<{ code: number; output: unknown } | null> {
  if (command === 'usage:report') return { code: 0, output: { reported: await ops.report() } };
  if (command !== 'usage:reconcile') return null;
  const i = argv.findIndex((arg) => arg === '--period' || arg.startsWith('--period='));
  const text = i < 0 ? null : argv[i].includes('=') ? argv[i].slice('--period='.length) : argv[i + 1] ?? '';
  const period = text === null ? monthOf(now) : parseReconcilePeriod(text);
  if (!period) return { code: 2, output: { error: `--period takes a month (2026-11) or <iso>..<iso>, not '${text}'` } };
  const report = await ops.reconcile(period);
  return { code: report.totalDrift === 0 && report.flagged === 0 ? 0 : 1, output: report };
}
