import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, describeEachDb } from '../support/test-databases';
import { eventually, recorder, startQueueApp } from './queue-kit';

const root = join(__dirname, '..', '..');

/** Starts the worker fixture (the built package) and resolves once it announced `line`. */
function startWorker(env: Record<string, string>, line: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'queue-worker.js')], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(line)) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`the worker exited (${code}) before: ${line}`)));
  });
}

describeEachDb(['postgres', 'mariadb'])('a worker process SIGKILLed mid-run on %s', (kind) => {
  it('another instance takes the item over once the short lease expires, and completes it once', async () => {
    const db = await createTestDatabase(kind);
    const survivor = await startQueueApp(db);
    let child: ChildProcess | undefined;
    try {
      await survivor.transactions.run((tx) => survivor.queue.enqueue(tx, 'killed-mid-run', 'item-1', { n: 1 }));
      const { type, url } = db.options as { type: string; url: string };
      child = await startWorker({ QUEUE_DB_TYPE: type, QUEUE_DB_URL: url }, 'running item-1');
      expect(await survivor.row('killed-mid-run', 'item-1')).toMatchObject({ status: 'running', attempts: 1 });
      child.kill('SIGKILL');
      const { runs, handler } = recorder('killed-mid-run');
      survivor.queue.register(handler);
      await eventually('the survivor completed it', async () => (await survivor.row('killed-mid-run', 'item-1'))?.status === 'done');
      expect(runs.map((r) => [r.key, r.attempt])).toEqual([['item-1', 2]]);
    } finally {
      child?.kill('SIGKILL');
      await survivor.close();
      await db.drop();
    }
  });
});
