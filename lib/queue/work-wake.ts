import { Logger } from '@nestjs/common';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { PostgresEntitlementsChannel } from '../access/channels/postgres-entitlements.channel';
import { RedisEntitlementsChannel } from '../access/channels/redis-entitlements.channel';
import type { EntitlementsChannel, ResolvedPaymentsOptions } from '../payments.options';

/**
 * Calls back once the transaction a manager belongs to commits (never after a rollback), through
 * TypeORM's transaction events, so `enqueue(manager, ...)` wakes workers whoever opened the
 * transaction. A manager outside a transaction has committed already.
 */
export class CommitWatcher {
  private readonly pending = new WeakMap<QueryRunner, (() => void)[]>();
  private readonly subscriber = {
    afterTransactionCommit: (event: { queryRunner: QueryRunner }) => {
      // A savepoint's release is not the commit.
      if (event.queryRunner.isTransactionActive) return;
      const callbacks = this.pending.get(event.queryRunner);
      this.pending.delete(event.queryRunner);
      callbacks?.forEach((callback) => callback());
    },
    afterTransactionRollback: (event: { queryRunner: QueryRunner }) => {
      if (!event.queryRunner.isTransactionActive) this.pending.delete(event.queryRunner);
    },
  };

  constructor(private readonly dataSource: DataSource) {
    dataSource.subscribers.push(this.subscriber as never);
  }

  afterCommit(manager: EntityManager, callback: () => void): void {
    const runner = manager.queryRunner;
    if (!runner || !runner.isTransactionActive) {
      setImmediate(callback);
      return;
    }
    const list = this.pending.get(runner) ?? [];
    list.push(callback);
    this.pending.set(runner, list);
  }

  close(): void {
    const at = this.dataSource.subscribers.indexOf(this.subscriber as never);
    if (at >= 0) this.dataSource.subscribers.splice(at, 1);
  }
}

/** Announcements of one kind closer together than this are merged into one (sent at the end of the window). */
const ANNOUNCE_WINDOW_MS = 20;

/**
 * Tells other instances that a kind has new work: a NOTIFY on PostgreSQL, or the app's channel.
 * The first enqueue of a burst is announced at once, the rest of the burst by one more message,
 * so a busy instance adds no statement per item (the others claim every due item when woken).
 */
export class WakeBroadcast {
  private readonly logger = new Logger('Payments:Queue');
  /** Kinds inside their announcement window, and whether more work came meanwhile. */
  private readonly windows = new Map<string, { again: boolean }>();
  private unsubscribe: (() => void) | null = null;
  private closed = false;

  private constructor(
    private readonly channel: EntitlementsChannel,
    private readonly owned: boolean,
  ) {}

  /** The channel the options choose (see `queue.wakeChannel`), or null for polling only. */
  static from(options: ResolvedPaymentsOptions, dataSource: DataSource): WakeBroadcast | null {
    const chosen = options.queue.wakeChannel;
    if (chosen === false) return null;
    if (chosen && chosen !== 'postgres') return new WakeBroadcast(chosen, false);
    if (chosen === 'postgres' || dataSource.options.type === 'postgres') {
      return new WakeBroadcast(new PostgresEntitlementsChannel(dataSource, { channel: 'payments_work' }), true);
    }
    const entitlements = options.entitlementsChannel;
    if (entitlements instanceof RedisEntitlementsChannel) return new WakeBroadcast(entitlements.forChannel(`${entitlements.channel}:work`), true);
    return null;
  }

  publish(kind: string): void {
    const window = this.windows.get(kind);
    if (window) {
      window.again = true;
      return;
    }
    this.send(kind);
    const opened = { again: false };
    this.windows.set(kind, opened);
    const close = () => {
      if (opened.again) {
        opened.again = false;
        this.send(kind);
        setTimeout(close, ANNOUNCE_WINDOW_MS).unref();
      } else {
        this.windows.delete(kind);
      }
    };
    setTimeout(close, ANNOUNCE_WINDOW_MS).unref();
  }

  private send(kind: string): void {
    if (this.closed) return;
    Promise.resolve()
      .then(() => this.channel.publish(kind))
      .catch(() => this.logger.warn('Could not announce new work to other instances; they find it by polling.'));
  }

  /** Listens for other instances' announcements; a failure leaves this instance polling. */
  async listen(onKind: (kind: string) => void): Promise<void> {
    try {
      const unsubscribe = await this.channel.subscribe(onKind, () => onKind(''));
      if (typeof unsubscribe === 'function') this.unsubscribe = unsubscribe;
    } catch (error) {
      this.logger.warn(`Could not listen for work announcements (${(error as Error)?.name ?? 'Error'}); polling instead.`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    const closable = this.channel as { close?: () => Promise<void> };
    if (this.owned && typeof closable.close === 'function') await closable.close().catch(() => undefined);
  }
}
