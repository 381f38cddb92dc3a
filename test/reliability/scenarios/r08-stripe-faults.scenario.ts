import { report, sized } from '../support/reliability-env';
import { HARNESS_STRIPE_TIMEOUT_MS, Harness } from '../support/reliability-harness';

type Arm = (h: Harness, path: string) => void;

const FAULTS: [string, Arm][] = [
  ['500', (h, path) => h.fake.faults.failNext({ method: 'POST', path }, 1, { status: 500 })],
  ['503', (h, path) => h.fake.faults.failNext({ method: 'POST', path }, 1, { status: 503 })],
  ['429', (h, path) => h.fake.faults.failNext({ method: 'POST', path }, 1, { status: 429 })],
  ['timeout', (h, path) => h.fake.faults.hangNext({ method: 'POST', path }, 1, HARNESS_STRIPE_TIMEOUT_MS + 500)],
  ['dropped', (h, path) => h.fake.faults.dropResponseNext({ method: 'POST', path }, 1)],
];
const PATHS = ['/v1/customers', '/v1/checkout/sessions'];
const TIMEOUT_MS = HARNESS_STRIPE_TIMEOUT_MS;

/**
 * R8: Stripe fails during checkout (5xx, 429, a hang past the client timeout, a lost answer):
 * the caller gets a clean 503 (or the SDK's own resend of a lost answer succeeds), and the
 * user's retry creates no second customer or session because it reuses the idempotency key.
 */
export async function r8StripeFaults(h: Harness): Promise<void> {
  const started = Date.now();
  const rounds = sized({ ci: 2, full: 10 });
  let attempts = 0;
  let clean503 = 0;
  let sdkResent200 = 0;
  let unclean = 0;
  let slowestFailMs = 0;
  let duplicateCustomers = 0;
  let duplicateOpenSessions = 0;
  let keysPerCreate = 0;
  const problems: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const path of PATHS) {
      for (const [name, arm] of FAULTS) {
        const user = await h.user();
        const from = h.fake.requests.length;
        arm(h, path);
        const failed = await h.call(round, 'POST', 'checkout', user.id, { plan: 'pro' });
        attempts++;
        if (failed.status === 503 && failed.json?.code === 'stripe_unavailable' && Object.keys(failed.json).sort().join() === 'code,message,statusCode') {
          clean503++;
          slowestFailMs = Math.max(slowestFailMs, failed.ms);
        } else if (failed.status === 200 && name === 'dropped') sdkResent200++;
        else {
          unclean++;
          problems.push(`${name} on ${path}: ${failed.status} ${failed.text}`);
        }
        // Stripe may still be working on a hung or dropped call; the user retries after it finished.
        if (name === 'timeout' || name === 'dropped') await until(() => (path === PATHS[0] ? customersOf(h, user.id) : openSessionsOf(h, user.id)).length === 1);
        const retried = await h.call(round + 1, 'POST', 'checkout', user.id, { plan: 'pro' });
        if (retried.status !== 200) problems.push(`retry after ${name} on ${path}: ${retried.status} ${retried.text}`);
        const customers = customersOf(h, user.id);
        const open = openSessionsOf(h, user.id);
        if (customers.length !== 1) duplicateCustomers++;
        if (open.length !== 1) duplicateOpenSessions++;
        const creates = h.fake.requests.slice(from).filter((r) => r.method === 'POST' && r.path === path);
        const keys = new Set(creates.map((r) => r.idempotencyKey));
        keysPerCreate = Math.max(keysPerCreate, keys.size);
        if (keys.size !== 1 || keys.has(undefined)) problems.push(`${name} on ${path}: idempotency keys ${[...keys].join(',')}`);
      }
    }
  }
  h.fake.faults.clear();
  report('R8', 'Stripe faults during checkout', {
    attempts, clean503, sdkResent200, unclean, slowestFailMs, configuredTimeoutMs: TIMEOUT_MS, duplicateCustomers, duplicateOpenSessions, maxKeysPerCreate: keysPerCreate,
  }, started);
  expect(problems).toEqual([]);
  expect(unclean).toBe(0);
  expect(duplicateCustomers).toBe(0);
  expect(duplicateOpenSessions).toBe(0);
}

const customersOf = (h: Harness, id: number) => [...h.fake.state.customers.values()].filter((c) => c.metadata?.billable_id === String(id));
const openSessionsOf = (h: Harness, id: number) => [...h.fake.state.checkoutSessions.values()].filter((s) => s.client_reference_id === String(id) && s.status === 'open');

/** Waits while Stripe itself is still finishing a call our client gave up on (a wall-clock wait only there). */
async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
