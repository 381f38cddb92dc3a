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
const moduleSpec = 'test/seats/fixtures/seats-cli-app.module.js#AppModule';

async function nhp(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args, '--module', moduleSpec], { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npx nestjs-headless-payments seats:check, as a process', () => {
  let fake: FakeStripe;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = await FakeStripe.start({ seed: 12 });
    fake.createPrice({ id: 'price_cli_team_seat', unitAmount: 700, interval: 'month', productName: 'Team seat' });
    dir = mkdtempSync(join(tmpdir(), 'nhp-seats-cli-'));
    env = { CLI_DB_FILE: join(dir, 'app.sqlite'), CLI_STRIPE_PORT: String(fake.port), CLI_STRIPE_KEY: fake.secretKey };
  });
  afterAll(async () => {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 when stored seats equal Stripe quantities and 1, naming the billable, when they drift', async () => {
    expect(await nhp(['seats:check'], env)).toMatchObject({ code: 0 });
    const stripe = fake.client();
    const customer = await stripe.customers.create({ email: 'team@example.test' });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_cli_team_seat', quantity: 4 }] });
    const db = new Database(env.CLI_DB_FILE);
    try {
      db.prepare('INSERT INTO orgs (email, stripe_customer_id) VALUES (?, ?)').run('team@example.test', customer.id);
      const id = (db.prepare('SELECT id FROM orgs WHERE email = ?').get('team@example.test') as { id: number }).id;
      // The resync writes the seat account as the webhook sync would.
      expect((await nhp(['sync', String(id)], env)).code).toBe(0);
      expect(db.prepare('SELECT subscription_id, purchased FROM payments_seat_accounts WHERE billable_id = ?').get(String(id))).toEqual({ subscription_id: sub.id, purchased: 4 });
      const clean = await nhp(['seats:check'], env);
      expect(clean.code).toBe(0);
      expect(JSON.parse(clean.stdout)).toEqual({ checked: 1, drifted: 0, differences: [], failed: [] });

      await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, quantity: 6 }] });
      const drift = await nhp(['seats:check'], env);
      expect(drift.code).toBe(1);
      expect(JSON.parse(drift.stdout)).toEqual({
        checked: 1,
        drifted: 1,
        differences: [{ billableId: String(id), subscriptionId: sub.id, purchased: 4, stripe: 6, used: 0, pending: false }],
        failed: [],
      });
    } finally {
      db.close();
    }
    // Five boots of a Nest app in their own processes: slow on a loaded 2-core machine.
  }, 180_000);
});
