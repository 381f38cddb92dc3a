import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, chromium } from 'playwright-core';

/** Debian's chromium package; the tests never download a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const root = join(__dirname, '..', '..', '..');

/** The built sample running as a child process, the way `npm start` runs it. */
export interface SampleProcess {
  /** The origin the sample sends Checkout and the portal back to (`http://localhost:<port>`). */
  origin: string;
  /** Everything the process printed, for the failure message. */
  output(): string;
  /** Stops the process (SIGTERM, then SIGKILL) and deletes its data folder. */
  stop(): Promise<void>;
}

/** A port that was free a moment ago: the sample must know its port up front (it registers its webhook URL). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `node dist-sample/sample/main.js` with the built-in FakeStripe and a fresh SQLite file; resolves once /plans answers. */
export async function startSample(timeoutMs = 30_000, extraEnv: NodeJS.ProcessEnv = {}): Promise<SampleProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'sample-browser-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', SAMPLE_DATA_DIR: dataDir, NO_COLOR: '1' };
  // The journey is the offline one: never real Stripe keys or someone's database from the environment.
  for (const name of ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'DATABASE_URL', 'APP_ORIGIN']) delete env[name];
  Object.assign(env, extraEnv);
  const child = spawn(process.execPath, [join(root, 'dist-sample', 'sample', 'main.js')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  // If the test runner dies before afterAll, the sample must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited(child);
      clearTimeout(killer);
    }
    process.removeListener('exit', killOnExit);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const sample = { origin: `http://localhost:${port}`, output: () => log, stop };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ready = await fetch(`http://127.0.0.1:${port}/api/payments/plans`).then((res) => res.ok, () => false);
    if (ready) return sample;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`the sample did not start on port ${port}; its output:\n${log.slice(-4000)}`);
}

/** Headless Chromium from the system package, with everything that would reach the network turned off. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    timeout: 30_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}
