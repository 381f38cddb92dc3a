import { AuthGuard } from '@nestjs/passport';
import { FakeStripe } from '../../lib/testing';
import { TestApp } from '../support/test-app';

/** A JSON answer from the app. */
export interface Answer {
  status: number;
  body: any;
}

/** Calls the app over real HTTP as a browser's fetch would. */
export async function call(app: TestApp, method: string, path: string, options: { user?: number; body?: unknown; rawBody?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(options.user !== undefined ? app.auth(options.user) : {}) };
  let body: string | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    headers['content-type'] = 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${app.url}/api/payments/${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Stripe API calls made while `fn` runs (the fake records each one). */
export async function stripeCallsDuring(fake: FakeStripe, fn: () => Promise<unknown>): Promise<{ method: string; path: string; idempotencyKey?: string; status: number }[]> {
  const before = fake.requests.length;
  await fn();
  return fake.requests.slice(before);
}

/** The fake's customers that belong to a billable (by the metadata we set). */
export function customersOf(fake: FakeStripe, billableId: number): string[] {
  return [...fake.state.customers.values()].filter((c) => c.metadata?.billable_id === String(billableId)).map((c) => c.id);
}

/** The fake's open checkout sessions of a billable. */
export function openSessionsOf(fake: FakeStripe, billableId: number): string[] {
  return [...fake.state.checkoutSessions.values()].filter((s) => s.client_reference_id === String(billableId) && s.status === 'open').map((s) => s.id);
}

/**
 * The default guard, imported statically: PaymentsModule loads `@nestjs/passport` with a dynamic
 * import that Jest (CommonJS, no --experimental-vm-modules) cannot run. Reported to the lead.
 */
export const jwtGuard = AuthGuard('jwt');
