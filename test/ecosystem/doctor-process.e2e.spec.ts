import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli', 'main.js');
// The CLI's own fixture app: plans free and pro (price_cli_pro, monthly), currency usd by default.
const moduleSpec = 'test/webhooks/fixtures/cli-app.module.js#AppModule';
const SDK_VERSION = (Stripe as unknown as { API_VERSION: string }).API_VERSION;

/** `npx nestjs-headless-payments doctor` as a process against a FakeStripe. */
async function doctor(fake: FakeStripe, dir: string): Promise<{ code: number; stdout: string }> {
  const env = { ...process.env, CLI_DB_FILE: join(dir, `app-${fake.port}.sqlite`), CLI_STRIPE_PORT: String(fake.port), CLI_STRIPE_KEY: fake.secretKey };
  try {
    const { stdout } = await run(process.execPath, [cli, 'doctor', '--module', moduleSpec], { cwd: root, env, timeout: 60_000 });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

// Each test starts the built CLI (a Nest app context) as a process: slow on a loaded machine.
jest.setTimeout(90_000);

describe('nestjs-headless-payments doctor, as a process', () => {
  let dir: string;
  const fakes: FakeStripe[] = [];
  const startFake = async () => {
    const fake = await FakeStripe.start({ seed: 14 });
    fakes.push(fake);
    return fake;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nhp-doctor-'));
  });
  afterAll(async () => {
    await Promise.all(fakes.map((f) => f.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 with every check ticked when prices, endpoint and API version are right', async () => {
    const fake = await startFake();
    fake.createPrice({ id: 'price_cli_pro', unitAmount: 1000, interval: 'month', productName: 'Pro' });
    fake.addWebhookEndpoint('https://app.example/api/payments/webhook', undefined, { apiVersion: SDK_VERSION });
    const answer = await doctor(fake, dir);
    expect(answer).toEqual({
      code: 0,
      stdout: [
        "✓ plan 'pro' (month): price price_cli_pro: usd, every month.",
        `✓ Webhook endpoint https://app.example/api/payments/webhook: the module's events, API version ${SDK_VERSION}.`,
        'doctor: everything checked is in order.',
        '',
      ].join('\n'),
    });
  });

  it('exits 1 naming a price missing at Stripe and an endpoint without the needed events', async () => {
    const fake = await startFake();
    fake.addWebhookEndpoint('https://app.example/api/payments/webhook', undefined, { enabledEvents: ['checkout.session.completed', 'invoice.paid'], apiVersion: SDK_VERSION });
    const answer = await doctor(fake, dir);
    expect(answer.code).toBe(1);
    expect(answer.stdout.split('\n')).toEqual([
      "✗ plan 'pro' (month): price price_cli_pro does not exist at Stripe (wrong id, or a live id with a test key?).",
      expect.stringMatching(/^✗ Webhook endpoint https:\/\/app\.example\/api\/payments\/webhook is not enabled for: customer\.subscription\.created, .*customer\.deleted\.$/),
      'doctor: 2 problems found.',
      '',
    ]);
  });

  it('exits 1 for a yearly price configured as monthly, another currency, and an endpoint on another API version', async () => {
    const fake = await startFake();
    fake.createPrice({ id: 'price_cli_pro', unitAmount: 1000, interval: 'year', currency: 'eur', productName: 'Pro' });
    fake.addWebhookEndpoint('https://app.example/api/payments/webhook', undefined, { apiVersion: '2025-03-31.basil' });
    const answer = await doctor(fake, dir);
    expect(answer.code).toBe(1);
    expect(answer.stdout.split('\n')).toEqual([
      "✗ plan 'pro' (month): price price_cli_pro bills every year, not every month; is in eur, not the configured currency usd (set the currency option or fix the price).",
      `✗ Webhook endpoint https://app.example/api/payments/webhook sends events in API version 2025-03-31.basil, but the SDK uses ${SDK_VERSION}: recreate the endpoint with ${SDK_VERSION}.`,
      'doctor: 2 problems found.',
      '',
    ]);
  });

  it('warns (exit 0) for an endpoint on the account default API version, and fails when no endpoint is registered', async () => {
    const warned = await startFake();
    warned.createPrice({ id: 'price_cli_pro', unitAmount: 1000, interval: 'month', productName: 'Pro' });
    warned.addWebhookEndpoint('https://app.example/api/payments/webhook', undefined, { apiVersion: null });
    expect(await doctor(warned, dir)).toEqual({
      code: 0,
      stdout: [
        "✓ plan 'pro' (month): price price_cli_pro: usd, every month.",
        `! Webhook endpoint https://app.example/api/payments/webhook uses the account's default API version; create it with API version ${SDK_VERSION} (the SDK's).`,
        'doctor: everything checked is in order (1 warning).',
        '',
      ].join('\n'),
    });

    const bare = await startFake();
    bare.createPrice({ id: 'price_cli_pro', unitAmount: 1000, interval: 'month', productName: 'Pro' });
    const answer = await doctor(bare, dir);
    expect(answer.code).toBe(1);
    expect(answer.stdout).toContain(
      '✗ No enabled webhook endpoint: add one pointing at <your app>/<prefix>/payments/webhook in the Stripe Dashboard (Developers → Webhooks).\ndoctor: 1 problem found.\n',
    );
  });
});
