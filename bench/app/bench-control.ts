import { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { getRepositoryToken } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { BillingService, BillingSyncService, UsageService, WebhookOperations } from 'nestjs-headless-payments';
import { buildStripeEvent, signedWebhookRequest } from 'nestjs-headless-payments/testing';
import { User } from '../../sample/user.entity';
import type { RemoteFakeStripe } from './remote-fake-stripe';

/** A subscribed user the load generator acts as. */
export interface BenchUser {
  id: number;
  token: string;
  customerId: string;
  subscriptionId: string;
}

/** One operation's Stripe API calls, as the fake recorded them. */
export interface StripeCalls {
  count: number;
  calls: string[];
}

/** A command from the parent process (bench/run.js) over IPC. */
export type BenchCommand =
  | { op: 'setup'; users: number }
  | { op: 'counters'; gc?: boolean }
  | { op: 'usage'; userId: number }
  | { op: 'stripe-calls' }
  | { op: 'stripe-latency'; ms: number }
  | { op: 'discard-queued' }
  | { op: 'drain' }
  | { op: 'processed' }
  | { op: 'stop' };

/**
 * What the parent can ask the app process: create subscribed users, read the query counter and
 * memory, read a usage counter, and count Stripe calls per operation at the fake.
 */
export class BenchControl {
  queries = 0;

  constructor(
    private readonly app: INestApplication,
    private readonly fake: RemoteFakeStripe,
    private readonly url: string,
  ) {
    // TypeORM hands every statement to its logger whatever `logging` says: count them there.
    const logger = app.get(DataSource).logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, runner) => {
      this.queries++;
      return original(query, parameters, runner);
    };
  }

  async handle(command: BenchCommand): Promise<unknown> {
    switch (command.op) {
      case 'setup':
        return this.setup(command.users);
      case 'counters':
        return this.counters(command.gc === true);
      case 'usage':
        return (await this.app.get(UsageService).check(command.userId, 'api_calls')).used;
      case 'stripe-calls':
        return this.stripeCalls();
      case 'stripe-latency':
        // A simulated Stripe round trip on every API call the app makes (the fake answers in < 1 ms otherwise).
        return this.fake.call({ op: 'latency', ms: command.ms });
      case 'discard-queued':
        return this.discardQueued();
      case 'drain':
        return this.drain();
      case 'processed':
        return this.processed();
      case 'stop':
        await this.app.close();
        await this.fake.call({ op: 'stop' });
        return true;
    }
  }

  /** Forgets the queued webhook events (acknowledged by earlier rounds), so a drain measures a known backlog. */
  private async discardQueued(): Promise<number> {
    const sql = this.app.get(DataSource);
    await sql.query("DELETE FROM payments_work_items WHERE kind = 'webhook' AND status = 'pending'");
    const rows: unknown = await sql.query("DELETE FROM payments_webhook_events WHERE status = 'queued'");
    return Array.isArray(rows) ? Number(rows[1] ?? 0) : 0;
  }

  /** Processes every queued webhook event (queue.concurrency at once); how many, in how long. */
  private async drain(): Promise<{ ran: number; ms: number }> {
    const started = performance.now();
    const ran = await this.app.get(WebhookOperations).drainQueued(3_600_000);
    return { ran, ms: Math.round(performance.now() - started) };
  }

  /** Webhook events applied so far (to tell how fast a drain went while something else was measured). */
  private async processed(): Promise<number> {
    const rows: { n: string | number }[] = await this.app.get(DataSource).query("SELECT COUNT(*) AS n FROM payments_webhook_events WHERE status = 'processed'");
    return Number(rows[0]?.n ?? 0);
  }

  /** `count` users, each through the real checkout: session, payment at the fake, sync. */
  private async setup(count: number): Promise<BenchUser[]> {
    const users: BenchUser[] = [];
    for (let i = 0; i < count; i++) users.push(await this.subscribedUser(`bench-${i}-${Date.now()}@example.com`));
    return users;
  }

  private async subscribedUser(email: string): Promise<BenchUser> {
    const user = await this.newUser(email);
    const { sessionId } = await this.app.get(BillingService).checkout(String(user.id), { plan: 'pro' });
    const paid = await this.fake.call<{ subscriptionId?: string; customerId?: string }>({ op: 'complete-checkout', sessionId });
    await this.app.get(BillingSyncService).syncCheckoutSession(sessionId);
    if (!paid.subscriptionId || !paid.customerId) throw new Error(`bench: checkout ${sessionId} did not complete`);
    return { id: user.id, token: this.token(user), customerId: paid.customerId, subscriptionId: paid.subscriptionId };
  }

  private async newUser(email: string): Promise<User> {
    const users = this.app.get<Repository<User>>(getRepositoryToken(User));
    return users.save(users.create({ email }));
  }

  private token(user: User): string {
    return this.app.get(JwtService).sign({ sub: user.id, email: user.email });
  }

  private counters(gc: boolean) {
    const collect = (globalThis as { gc?: () => void }).gc;
    if (gc && collect) {
      collect();
      collect();
    }
    const memory = process.memoryUsage();
    return { queries: this.queries, rss: memory.rss, heapUsed: memory.heapUsed };
  }

  /** The Stripe API calls of one checkout, its return, one plan change and single webhook events. */
  private async stripeCalls(): Promise<Record<string, StripeCalls>> {
    const user = await this.newUser(`bench-calls-${Date.now()}@example.com`);
    const auth = { authorization: `Bearer ${this.token(user)}`, 'content-type': 'application/json' };
    const out: Record<string, StripeCalls> = {};
    let checkout: { sessionId?: string } = {};
    out['checkout (POST /checkout, first time: creates the customer)'] = await this.during(async () => {
      checkout = await this.http('POST', '/api/payments/checkout', auth, JSON.stringify({ plan: 'pro' }));
    });
    const sessionId = String(checkout.sessionId);
    out['checkout again (POST /checkout, open session reused)'] = await this.during(() => this.http('POST', '/api/payments/checkout', auth, JSON.stringify({ plan: 'pro' })));
    const paid = await this.fake.call<{ subscriptionId?: string; customerId?: string }>({ op: 'complete-checkout', sessionId });
    out['checkout return (GET /checkout/status after paying)'] = await this.during(() => this.http('GET', `/api/payments/checkout/status?session_id=${sessionId}`, auth));
    out['plan change (POST /upgrade pro -> team)'] = await this.during(() => this.http('POST', '/api/payments/upgrade', auth, JSON.stringify({ plan: 'team' })));
    const subscription = await this.fake.call<object | null>({ op: 'subscription', id: String(paid.subscriptionId) });
    const session = await this.fake.call<object | null>({ op: 'checkout-session', id: sessionId });
    out['webhook customer.subscription.updated'] = await this.during(() => this.webhook(buildStripeEvent('customer.subscription.updated', subscription ?? {})));
    out['webhook checkout.session.completed'] = await this.during(() => this.webhook(buildStripeEvent('checkout.session.completed', session ?? {})));
    return out;
  }

  private async webhook(event: object): Promise<unknown> {
    const signed = signedWebhookRequest(event, this.fake.webhookSecret);
    return this.http('POST', '/api/payments/webhook', signed.headers, signed.body);
  }

  private async during(fn: () => Promise<unknown>): Promise<StripeCalls> {
    const before = await this.fake.call<number>({ op: 'request-count' });
    await fn();
    const requests = await this.fake.call<{ method: string; path: string }[]>({ op: 'requests-since', from: before });
    const calls = requests.map((r) => `${r.method} ${r.path.replace(/\/(cus|sub|cs|in|si|price|prod|pi|seti)_[A-Za-z0-9_]+/g, '/$1_…')}`);
    return { count: calls.length, calls };
  }

  private async http(method: string, path: string, headers: Record<string, string>, body?: string): Promise<any> {
    const res = await fetch(`${this.url}${path}`, { method, headers, body });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`bench: ${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`);
    return text ? JSON.parse(text) : null;
  }
}
