import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FakeStripe } from '../../lib/testing';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const moduleSpec = 'test/webhooks/fixtures/cli-app.module.js#AppModule';

/** The built bin, in its own process, as `npx nestjs-headless-payments ...` runs it. */
async function nhp(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the nestjs-headless-payments CLI, as a process', () => {
  let fake: FakeStripe;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = await FakeStripe.start({ seed: 11 });
    fake.createPrice({ id: 'price_cli_pro', unitAmount: 1000, interval: 'month', productName: 'Pro' });
    dir = mkdtempSync(join(tmpdir(), 'nhp-cli-'));
    env = { CLI_DB_FILE: join(dir, 'app.sqlite'), CLI_STRIPE_PORT: String(fake.port), CLI_STRIPE_KEY: fake.secretKey };
  });
  afterAll(async () => {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints its usage and exits 2 without a command or module', async () => {
    const answer = await nhp([], {});
    expect(answer.code).toBe(2);
    expect(answer.stderr).toContain('Usage: nestjs-headless-payments <command> --module <file>#<ExportName>');
  });

  it('resyncs a billable from Stripe, replays an event, and lists no failed events', async () => {
    // An empty schema first: the first boot synchronizes it.
    expect(await nhp(['events:failed', '--module', moduleSpec], env)).toMatchObject({ code: 0, stdout: '[]\n' });

    const stripe = fake.client();
    const customer = await stripe.customers.create({ email: 'cli@example.test' });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_cli_pro' }] });
    const db = new Database(env.CLI_DB_FILE);
    try {
      db.prepare('INSERT INTO users (email, stripe_customer_id) VALUES (?, ?)').run('cli@example.test', customer.id);
      const id = (db.prepare('SELECT id FROM users WHERE email = ?').get('cli@example.test') as { id: number }).id;

      const synced = await nhp(['sync', String(id), '--module', moduleSpec], env);
      expect(synced.code).toBe(0);
      expect(db.prepare('SELECT plan, subscription_status, stripe_subscription_id FROM users WHERE id = ?').get(id)).toEqual({
        plan: 'pro',
        subscription_status: 'active',
        stripe_subscription_id: sub.id,
      });

      const created = fake.events.find((e) => e.type === 'customer.subscription.created' && (e.data.object as { id: string }).id === sub.id)!;
      const replayed = await nhp(['events:replay', created.id, '--module', moduleSpec], { ...env, NHP_APP_MODULE: '' });
      expect(replayed.code).toBe(0);
      expect(JSON.parse(replayed.stdout)).toEqual([expect.objectContaining({ id: created.id, outcome: 'processed' })]);
      expect(db.prepare('SELECT status, attempts FROM payments_webhook_events WHERE id = ?').get(created.id)).toEqual({ status: 'processed', attempts: 1 });
    } finally {
      db.close();
    }
    expect(await nhp(['events:failed'], { ...env, NHP_APP_MODULE: moduleSpec })).toMatchObject({ code: 0, stdout: '[]\n' });
  });
});
