import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntitlementsChannel } from '../../payments.options';
import { InvalidationCodec, reconnectDelayMs } from './channel-message';

/** What `pg.Client` offers that the channel uses (kept structural: `pg` is the app's driver). */
interface PgClient {
  connect(): Promise<unknown>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
  removeAllListeners(): unknown;
}

/** Options of `PostgresEntitlementsChannel`. */
export interface PostgresChannelOptions {
  /** The NOTIFY channel name (letters, digits, `_`). Default 'payments_entitlements'. */
  channel?: string;
}

const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Cross-instance invalidation over PostgreSQL `LISTEN/NOTIFY`: no new service, the database the
 * module already uses. Publishing is one `pg_notify` through the app's pool; listening holds one
 * dedicated connection outside the pool (NOTIFY does not pass through PgBouncer in transaction
 * mode: point this connection at PostgreSQL directly). After a lost connection every cached state
 * is dropped, since notifications sent meanwhile are gone.
 */
export class PostgresEntitlementsChannel implements EntitlementsChannel {
  private readonly logger = new Logger('Payments:Access');
  private readonly channel: string;
  private readonly codec = new InvalidationCodec();
  private client: PgClient | null = null;
  private closed = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dataSource: DataSource,
    options: PostgresChannelOptions = {},
  ) {
    if (dataSource.options.type !== 'postgres') {
      throw new Error(`nestjs-headless-payments: entitlementsChannel 'postgres' needs a PostgreSQL DataSource, not '${dataSource.options.type}'; use a RedisEntitlementsChannel or your own channel instead.`);
    }
    this.channel = options.channel ?? 'payments_entitlements';
    if (!CHANNEL_NAME.test(this.channel)) {
      throw new Error(`nestjs-headless-payments: the LISTEN channel '${this.channel}' must be lower-case letters, digits and '_' (at most 63).`);
    }
  }

  async publish(billableId: string): Promise<void> {
    await this.dataSource.query('SELECT pg_notify($1, $2)', [this.channel, this.codec.encode(billableId)]);
  }

  async subscribe(listener: (billableId: string) => void, onReset?: () => void): Promise<() => void> {
    this.closed = false;
    await this.listen(listener, onReset);
    return () => void this.close();
  }

  /** Stops listening and closes the dedicated connection. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners();
      await client.end().catch(() => undefined);
    }
  }

  private async listen(listener: (billableId: string) => void, onReset?: () => void): Promise<void> {
    const client = this.newClient();
    client.on('notification', (message) => {
      if (message.channel !== this.channel || !message.payload) return;
      const billableId = this.codec.decode(message.payload);
      if (billableId !== null) listener(billableId);
    });
    const lost = () => {
      if (this.closed || this.client !== client) return;
      this.client = null;
      client.removeAllListeners();
      client.end().catch(() => undefined);
      this.logger.warn('The entitlements LISTEN connection was lost; reconnecting (cached states are dropped meanwhile).');
      onReset?.();
      this.scheduleReconnect(listener, onReset);
    };
    client.on('error', lost);
    client.on('end', lost);
    await client.connect();
    await client.query(`LISTEN ${this.channel}`);
    this.client = client;
    this.attempt = 0;
  }

  private scheduleReconnect(listener: (billableId: string) => void, onReset?: () => void): void {
    this.retryTimer = setTimeout(() => {
      if (this.closed) return;
      this.listen(listener, onReset).then(
        // Anything published while we were away is lost: drop what is cached once more.
        () => onReset?.(),
        () => {
          this.attempt++;
          this.scheduleReconnect(listener, onReset);
        },
      );
    }, reconnectDelayMs(this.attempt));
    this.retryTimer.unref();
  }

  private newClient(): PgClient {
    // TypeORM's PostgresDriver keeps the `pg` module it loaded; use the same one.
    const pg = (this.dataSource.driver as unknown as { postgres: { Client: new (config: object) => PgClient } }).postgres;
    const o = this.dataSource.options as { url?: string; host?: string; port?: number; username?: string; password?: string; database?: string; ssl?: unknown };
    return new pg.Client({ connectionString: o.url, host: o.host, port: o.port, user: o.username, password: o.password, database: o.database, ssl: o.ssl });
  }
}
