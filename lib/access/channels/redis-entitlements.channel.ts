import { Logger } from '@nestjs/common';
import type { EntitlementsChannel } from '../../payments.options';
import { InvalidationCodec } from './channel-message';

/** What an ioredis client offers that the channel uses (ioredis is an optional peer). */
interface RedisLike {
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  duplicate(): RedisLike;
  quit(): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'ready' | 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** Options of `RedisEntitlementsChannel`: a Redis URL, or an ioredis client of the app's. */
export interface RedisChannelOptions {
  /** e.g. 'redis://127.0.0.1:6379'. Used when `client` is not given. */
  url?: string;
  /** An ioredis client to publish with (duplicated for subscribing); the app keeps owning it. */
  client?: RedisLike;
  /** The pub/sub channel. Default 'payments:entitlements'. */
  channel?: string;
}

/**
 * Cross-instance invalidation over Redis pub/sub (ioredis, an optional peer). Two connections: one
 * publishes, a duplicate subscribes. After a reconnection every cached state is dropped, since
 * pub/sub keeps no messages for absent subscribers.
 */
export class RedisEntitlementsChannel implements EntitlementsChannel {
  private readonly logger = new Logger('Payments:Access');
  /** The pub/sub channel name. */
  readonly channel: string;
  private readonly codec = new InvalidationCodec();
  private readonly publisher: RedisLike;
  private readonly ownsPublisher: boolean;
  private subscriber: RedisLike | null = null;

  constructor(private readonly options: RedisChannelOptions) {
    this.channel = options.channel ?? 'payments:entitlements';
    if (options.client) {
      this.publisher = options.client;
      this.ownsPublisher = false;
    } else if (options.url) {
      this.publisher = new (loadIoredis())(options.url, { lazyConnect: false, maxRetriesPerRequest: 2 });
      this.ownsPublisher = true;
    } else {
      throw new Error('nestjs-headless-payments: RedisEntitlementsChannel needs { url } or { client }.');
    }
  }

  /** The same Redis (URL or client) on another pub/sub channel, e.g. the work queue's wake-ups. */
  forChannel(channel: string): RedisEntitlementsChannel {
    return new RedisEntitlementsChannel({ ...this.options, channel });
  }

  async publish(billableId: string): Promise<void> {
    await this.publisher.publish(this.channel, this.codec.encode(billableId));
  }

  async subscribe(listener: (billableId: string) => void, onReset?: () => void): Promise<() => void> {
    const subscriber = this.publisher.duplicate();
    this.subscriber = subscriber;
    let readyOnce = false;
    subscriber.on('message', (channel, message) => {
      if (channel !== this.channel) return;
      const billableId = this.codec.decode(message);
      if (billableId !== null) listener(billableId);
    });
    subscriber.on('ready', () => {
      // ioredis resubscribes by itself after a reconnection; what was published meanwhile is lost.
      if (readyOnce) onReset?.();
      readyOnce = true;
    });
    subscriber.on('error', (error) => this.logger.warn(`The entitlements Redis channel: ${error.message}`));
    await subscriber.subscribe(this.channel);
    return () => void this.close();
  }

  /** Closes the subscriber, and the publisher when the channel made it. */
  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    await subscriber?.quit().catch(() => undefined);
    if (this.ownsPublisher) await this.publisher.quit().catch(() => undefined);
  }
}

function loadIoredis(): new (url: string, options: object) => RedisLike {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('ioredis');
    return mod.default ?? mod.Redis ?? mod;
  } catch {
    throw new Error("nestjs-headless-payments: RedisEntitlementsChannel needs the 'ioredis' package; npm install ioredis.");
  }
}
