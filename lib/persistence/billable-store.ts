import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager, EntityMetadata, ObjectLiteral, Repository } from 'typeorm';
import { PAYMENTS_DATA_SOURCE, PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { BillingState } from './billing-state';
import { PaymentsTx } from './payments-transactions';

/** A row of the app's billable entity: its own columns plus the mixin's. */
export type Billable = ObjectLiteral & BillingState;

/** Reads billables and is the only writer of their billing columns. */
@Injectable()
export class BillableStore {
  private readonly listeners = new Set<(billableId: string) => void>();
  readonly metadata: EntityMetadata;
  /** Property name of the entity's primary key. */
  readonly idProperty: string;

  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    @Inject(PAYMENTS_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {
    this.metadata = dataSource.getMetadata(options.billableEntity);
    if (this.metadata.primaryColumns.length !== 1) {
      throw new Error(`nestjs-headless-payments: billableEntity ${this.metadata.name} needs exactly one primary key column.`);
    }
    this.idProperty = this.metadata.primaryColumns[0].propertyName;
  }

  repository(manager: EntityManager = this.dataSource.manager): Repository<Billable> {
    return manager.getRepository<Billable>(this.options.billableEntity);
  }

  /** The billable's id as a string (ids from requests and tables are compared as strings). */
  idOf(billable: Billable): string {
    return String(billable[this.idProperty]);
  }

  findById(id: string | number, manager?: EntityManager): Promise<Billable | null> {
    return this.repository(manager).findOne({ where: { [this.idProperty]: this.castId(id) } });
  }

  findByCustomerId(customerId: string, manager?: EntityManager): Promise<Billable | null> {
    return this.repository(manager).findOne({ where: { stripeCustomerId: customerId } });
  }

  /** Reads and row-locks a billable for the rest of the transaction. */
  lockById(tx: PaymentsTx, id: string | number): Promise<Billable | null> {
    return this.repository(tx.manager).findOne({ where: { [this.idProperty]: this.castId(id) }, ...tx.forUpdate });
  }

  /** Reads and row-locks the billable that owns a Stripe customer. */
  lockByCustomerId(tx: PaymentsTx, customerId: string): Promise<Billable | null> {
    return this.repository(tx.manager).findOne({ where: { stripeCustomerId: customerId }, ...tx.forUpdate });
  }

  /**
   * Writes billing columns of a locked billable and bumps its version; listeners (caches) hear of
   * it after commit. Returns the billable with the patch applied.
   */
  async writeState(tx: PaymentsTx, billable: Billable, patch: Partial<BillingState>): Promise<Billable> {
    const id = billable[this.idProperty];
    const next = { ...patch, billingVersion: (billable.billingVersion ?? 0) + 1 };
    await this.repository(tx.manager).update({ [this.idProperty]: id }, next as never);
    Object.assign(billable, next);
    const key = this.idOf(billable);
    tx.afterCommit(() => this.listeners.forEach((listener) => listener(key)));
    return billable;
  }

  /** Subscribes to committed billing-state changes; returns the unsubscribe function. */
  onChange(listener: (billableId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private castId(id: string | number): string | number {
    const type = this.metadata.primaryColumns[0].type;
    const numeric = type === Number || type === 'int' || type === 'integer' || type === 'bigint';
    return numeric && typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : id;
  }
}
