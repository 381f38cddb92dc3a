import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PAYMENTS_DATA_SOURCE, PAYMENTS_OPTIONS } from '../payments.constants';
import { EntitlementsChannel, ResolvedPaymentsOptions } from '../payments.options';
import { BillableStore } from '../persistence/billable-store';
import { BILLING_STATE_FIELDS, BillingState } from '../persistence/billing-state';
import { PlanCatalog } from '../plans/plan-catalog';
import { effectivePlan, hasPaidAccess } from './access-policy';
import { CreditPurchaseEntity } from '../persistence/entities/credit-purchase.entity';
import { Not, IsNull } from 'typeorm';
import { endsAt, onGracePeriod, onTrial } from './billing-status';
import { PostgresEntitlementsChannel } from './channels/postgres-entitlements.channel';

/** What a billable may do now: the state snapshot and what follows from it. Serialisable to JSON. */
export interface BillableEntitlements {
  billableId: string;
  /** The stored billing columns (null when the billable has no row). */
  state: BillingState | null;
  /** The plan in effect: the subscribed plan while it gives access, else the free plan (null without one). */
  effectivePlan: string | null;
  /** Features of the plan in effect. */
  features: string[];
  /** Usage limits of the plan in effect; -1 is unlimited. */
  limits: Record<string, number>;
  /** Active, trialing, in grace after a cancel, or past due within the policy. */
  active: boolean;
  onTrial: boolean;
  onGracePeriod: boolean;
  /** When a cancelled subscription stops, if it is cancelled. */
  endsAt: Date | null;
}

interface CacheEntry {
  state: BillingState | null;
  expiresAt: number;
}

const MAX_ENTRIES = 50_000;

/**
 * Billing state per billable, cached in-process for `entitlementsCacheTtlMs` so that the guards on
 * every request cost no query when warm. Dropped when BillableStore commits a write for the
 * billable (the webhook sync), and on other instances through the optional channel or the TTL.
 */
@Injectable()
export class Entitlements implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Payments:Access');
  private readonly cache = new Map<string, CacheEntry>();
  private readonly loading = new Map<string, Promise<BillingState | null>>();
  /** Bumped by every invalidation, so a load that raced a write does not cache what it read before. */
  private readonly generations = new Map<string, number>();
  private readonly unsubscribers: (() => void)[] = [];
  private readonly channel: EntitlementsChannel | null;

  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly store: BillableStore,
    private readonly catalog: PlanCatalog,
    @Inject(PAYMENTS_DATA_SOURCE) dataSource: DataSource,
  ) {
    const configured = options.entitlementsChannel;
    this.channel = configured === 'postgres' ? new PostgresEntitlementsChannel(dataSource) : (configured ?? null);
  }

  async onModuleInit(): Promise<void> {
    this.unsubscribers.push(
      this.store.onChange((billableId) => {
        this.invalidate(billableId);
        this.publish(billableId);
      }),
    );
    if (this.channel) {
      const unsubscribe = await this.channel.subscribe(
        (billableId) => this.invalidate(String(billableId)),
        () => this.clear(),
      );
      if (typeof unsubscribe === 'function') this.unsubscribers.push(unsubscribe);
    }
  }

  onModuleDestroy(): void {
    this.unsubscribers.splice(0).forEach((unsubscribe) => unsubscribe());
  }

  /**
   * The billing state of a billable: from the cache when fresh, else one query shared by every
   * concurrent caller for that billable. Resolves synchronously-fast on a warm cache.
   */
  state(billableId: string): Promise<BillingState | null> {
    const hit = this.cache.get(billableId);
    if (hit && hit.expiresAt > Date.now()) return Promise.resolve(hit.state);
    return this.load(billableId);
  }

  /** The cached entry when it is fresh (no promise, no query), else undefined. */
  peek(billableId: string): BillingState | null | undefined {
    const hit = this.cache.get(billableId);
    return hit && hit.expiresAt > Date.now() ? hit.state : undefined;
  }

  /** What the billable may do now: plan in effect, features, limits and status flags. */
  async forBillable(billableId: string | number, now: Date = this.options.now()): Promise<BillableEntitlements> {
    const id = String(billableId);
    const state = await this.state(id);
    return this.describe(id, state, now);
  }

  /** The entitlements that follow from a state at a time (pure; no cache or query). */
  describe(billableId: string, state: BillingState | null, now: Date = this.options.now()): BillableEntitlements {
    const plan = effectivePlan(state, this.catalog, this.options.pastDue, now);
    return {
      billableId,
      state,
      effectivePlan: plan,
      features: [...this.catalog.features(plan)],
      limits: { ...this.catalog.limits(plan) },
      active: state !== null && hasPaidAccess(state, this.catalog, this.options.pastDue, now),
      onTrial: state !== null && onTrial(state, now),
      onGracePeriod: state !== null && onGracePeriod(state, now),
      endsAt: state ? endsAt(state) : null,
    };
  }

  /** Drops the cached state of one billable (this instance only). */
  invalidate(billableId: string | number): void {
    const id = String(billableId);
    this.cache.delete(id);
    this.loading.delete(id);
    this.generations.set(id, (this.generations.get(id) ?? 0) + 1);
  }

  /** Drops every cached state (this instance only). */
  clear(): void {
    for (const id of [...this.cache.keys(), ...this.loading.keys()]) this.invalidate(id);
  }

  private load(billableId: string): Promise<BillingState | null> {
    const pending = this.loading.get(billableId);
    if (pending) return pending;
    const generation = this.generations.get(billableId) ?? 0;
    const promise = this.read(billableId).then(
      (state) => {
        if (this.loading.get(billableId) === promise) this.loading.delete(billableId);
        // A write committed while we were reading: serve what we read once, cache nothing.
        if ((this.generations.get(billableId) ?? 0) === generation && this.options.entitlementsCacheTtlMs > 0) {
          if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
          this.cache.set(billableId, { state, expiresAt: Date.now() + this.options.entitlementsCacheTtlMs });
        }
        if (this.generations.size > MAX_ENTRIES) this.generations.clear();
        return state;
      },
      (error: unknown) => {
        if (this.loading.get(billableId) === promise) this.loading.delete(billableId);
        throw error;
      },
    );
    this.loading.set(billableId, promise);
    return promise;
  }

  private async read(billableId: string): Promise<BillingState | null> {
    const row = await this.store.findById(billableId);
    if (!row) return null;
    // Keep only the billing columns: the cache must not hold the app's other data (emails, hashes).
    const state = {} as Record<string, unknown>;
    for (const field of BILLING_STATE_FIELDS) state[field] = row[field] ?? null;
    state.cancelAtPeriodEnd = Boolean(row.cancelAtPeriodEnd);
    state.trialUsed = Boolean(row.trialUsed);
    state.billingVersion = Number(row.billingVersion ?? 0);
    if (Object.values(this.options.products ?? {}).some((product) => product.grantsPlan)) state.lifetimePlan = await this.lifetimePlan(billableId);
    return state as unknown as BillingState;
  }

  /** The biggest plan the billable bought for life (purchases not refunded in full), or null. */
  private async lifetimePlan(billableId: string): Promise<string | null> {
    const rows = await this.store.repository().manager.getRepository(CreditPurchaseEntity).find({ where: { billableId, plan: Not(IsNull()) }, select: { plan: true } });
    const plans = rows.map((row) => row.plan as string).filter((plan) => this.catalog.get(plan));
    return plans.sort((a, b) => this.catalog.rank(b) - this.catalog.rank(a))[0] ?? null;
  }

  private publish(billableId: string): void {
    const channel = this.channel;
    if (!channel) return;
    Promise.resolve()
      .then(() => channel.publish(billableId))
      .catch(() => this.logger.warn(`Could not publish an entitlements invalidation; other instances refresh within ${this.options.entitlementsCacheTtlMs} ms.`));
  }
}
