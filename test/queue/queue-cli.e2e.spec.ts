import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WebhookOperations } from '../../lib';
import { parseCliArgs, runCliCommand, USAGE } from '../../lib/cli/cli-commands';
import { describeEachDb } from '../support/test-databases';
import { QueueApp, queueAppPerSuite, recorder } from './queue-kit';

describeEachDb(['sqlite', 'postgres'])('queue:* CLI commands on %s', (kind) => {
  const app = queueAppPerSuite(kind, { workers: false });
  let q: QueueApp;
  const cli = (...argv: string[]) => runCliCommand(q.t.app.get(WebhookOperations), parseCliArgs(argv), undefined, q.queue);

  beforeAll(() => (q = app()));

  it('status, failed, retry and drain', async () => {
    let healthy = false;
    const { runs, handler } = recorder('cli-kind', () => {
      if (!healthy) throw new Error('not yet');
      return 'done';
    }, 1);
    q.queue.register(handler);
    await q.transactions.run(async (tx) => {
      await q.queue.enqueue(tx, 'cli-kind', 'one', 1);
      await q.queue.enqueue(tx, 'cli-kind', 'two', 2);
    });
    expect(await cli('queue:status')).toEqual({ code: 0, output: [{ kind: 'cli-kind', pending: 2, running: 0, done: 0, failed: 0, oldestDueSeconds: expect.any(Number) }] });
    expect(await cli('queue:drain')).toEqual({ code: 0, output: { ran: 2 } });
    const failed = await cli('queue:failed', 'cli-kind');
    expect(failed.code).toBe(0);
    expect((failed.output as { key: string; lastError: string }[]).map((f) => [f.key, f.lastError])).toEqual([
      ['one', 'Error: not yet'],
      ['two', 'Error: not yet'],
    ]);
    expect(await cli('queue:failed', 'other-kind')).toEqual({ code: 0, output: [] });
    const [one, two] = failed.output as { id: string }[];
    healthy = true;
    expect(await cli('queue:retry', one.id)).toEqual({ code: 0, output: [{ id: one.id, retried: true }] });
    expect(await cli('queue:retry', one.id)).toEqual({ code: 1, output: [{ id: one.id, retried: false }] });
    expect(await cli('queue:retry', '--all-failed')).toEqual({ code: 0, output: [{ id: two.id, retried: true }] });
    expect((await cli('queue:retry')).code).toBe(2);
    expect(await cli('queue:drain', 'cli-kind')).toEqual({ code: 0, output: { ran: 2 } });
    expect(runs).toHaveLength(4);
    expect((await cli('queue:status')).output).toEqual([{ kind: 'cli-kind', pending: 0, running: 0, done: 2, failed: 0, oldestDueSeconds: 0 }]);
    expect((await cli('queue:bogus')).code).toBe(2);
    expect((await runCliCommand(q.t.app.get(WebhookOperations), parseCliArgs(['queue:status']))).code).toBe(2);
  });

  it('lists the queue commands in its usage', () => {
    for (const command of ['queue:status', 'queue:failed [kind]', 'queue:retry <id> | --all-failed', 'queue:drain [kind]']) expect(USAGE).toContain(command);
  });
});

describe('queue:* as a process (the built bin)', () => {
  it('prints the status and drains, then exits: no worker or listener keeps it alive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nhp-queue-cli-'));
    const root = join(__dirname, '..', '..');
    const env = { ...process.env, CLI_DB_FILE: join(dir, 'app.sqlite'), CLI_STRIPE_PORT: '9', CLI_STRIPE_KEY: 'sk_test_cli' };
    try {
      const run = (args: string[]) =>
        promisify(execFile)(process.execPath, [join(root, 'dist', 'cli', 'main.js'), ...args, '--module', 'test/webhooks/fixtures/cli-app.module.js#AppModule'], { cwd: root, env, timeout: 60_000 });
      expect(JSON.parse((await run(['queue:status'])).stdout)).toEqual([]);
      expect(JSON.parse((await run(['queue:drain'])).stdout)).toEqual({ ran: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
