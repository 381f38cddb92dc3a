import { Inject, Injectable, Logger } from '@nestjs/common';
import { In } from 'typeorm';
import { PaymentsException } from '../common/payments.exception';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { BillableStore } from '../persistence/billable-store';
import { againOnLockConflict } from '../persistence/lock-conflict';
import { SeatAccountEntity } from '../persistence/entities/seat-account.entity';
import { SeatMemberEntity } from '../persistence/entities/seat-member.entity';
import { PaymentsTransactions, PaymentsTx } from '../persistence/payments-transactions';
import { PlanCatalog } from '../plans/plan-catalog';
import type { CatalogSeats } from '../plans/plan.types';
import { WorkQueue } from '../queue/work-queue.service';
import { assertSeatCount, assertWithinPlan, MAX_SEATS } from './seat-quantity';
import { SEAT_SYNC_KIND, SeatSyncPayload } from './seat.tokens';

/** `GET /seats`: what a billable has and uses. */
export interface SeatsView {
  /** Members holding a seat. */
  used: number;
  /** Seats bought (the Stripe quantity the billable pays for, or is about to). */
  purchased: number;
  /** Seats that come with the plan. */
  included: number;
  /** Most seats the plan lets the billable buy; null: no maximum. */
  max: number | null;
  /** Seats a new member can take now: included + purchased - used, never below 0. */
  available: number;
  /** True while a change waits to reach Stripe. */
  pending: boolean;
}

/** A seat change: a number of seats, or the members that take or leave them. */
export type SeatChange = number | readonly (string | number)[];

type Mode = 'add' | 'remove' | 'set';

/**
 * Seats of a billable. A change writes the local count at once in one transaction (billable row
 * locked, so changes of one billable are ordered across instances) and enqueues a `seat-sync`
 * item in that same transaction; the queue pushes the quantity to Stripe after a coalescing
 * window, so a crash loses nothing and ten quick changes make one Stripe update.
 */
@Injectable()
export class SeatService {
  private readonly logger = new Logger('Payments:Seats');

  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly catalog: PlanCatalog,
    private readonly store: BillableStore,
    private readonly transactions: PaymentsTransactions,
    private readonly queue: WorkQueue,
  ) {}

  /** Seats used, purchased, included, the maximum and those available now. */
  async get(billableId: string | number): Promise<SeatsView> {
    const id = String(billableId);
    const manager = this.transactions.dataSource.manager;
    const account = await manager.getRepository(SeatAccountEntity).findOne({ where: { billableId: id } });
    const used = await manager.getRepository(SeatMemberEntity).count({ where: { billableId: id } });
    return this.view(account, await this.seatsOf(id, account), used);
  }

  /** Buys `n` more seats, or gives seats to these members (buying only the seats they lack). */
  add(billableId: string | number, change: SeatChange): Promise<SeatsView> {
    return this.change(String(billableId), 'add', change);
  }

  /** Stops paying for `n` seats (409 `seats_in_use` below the members holding one), or frees these members' seats and stops paying for them. */
  remove(billableId: string | number, change: SeatChange): Promise<SeatsView> {
    return this.change(String(billableId), 'remove', change);
  }

  /** Pays for exactly `n` seats, or makes exactly these members the seat holders (paying for as many). */
  set(billableId: string | number, change: SeatChange): Promise<SeatsView> {
    return this.change(String(billableId), 'set', change);
  }

  /** Whether the member holds a seat of the billable, taking a free one if there is room; false when every seat is taken. */
  async claim(billableId: string | number, memberId: string | number): Promise<boolean> {
    const id = String(billableId);
    const member = memberKey(memberId);
    const members = this.transactions.dataSource.getRepository(SeatMemberEntity);
    // The common case (already seated) reads one row and takes no lock.
    if (await members.exists({ where: { billableId: id, memberId: member } })) return true;
    await this.assertMembers(id, [member]);
    return this.transactions.run(async (tx) => {
      await this.store.lockById(tx, id);
      const repo = tx.manager.getRepository(SeatMemberEntity);
      if (await repo.exists({ where: { billableId: id, memberId: member } })) return true;
      const account = await tx.manager.getRepository(SeatAccountEntity).findOne({ where: { billableId: id } });
      const view = this.view(account, await this.seatsOf(id, account), await repo.count({ where: { billableId: id } }));
      if (view.available < 1) return false;
      await repo.insert({ billableId: id, memberId: member, assignedAt: this.options.now() });
      return true;
    });
  }

  private async change(billableId: string, mode: Mode, change: SeatChange): Promise<SeatsView> {
    const members = Array.isArray(change) ? memberList(change) : null;
    const count = members === null ? assertSeatCount(change, 'seats') : 0;
    // Before the transaction: the hook reads the app's own tables and must not wait on our lock.
    if (members !== null && mode !== 'remove') await this.assertMembers(billableId, members);
    // MariaDB/MySQL may roll the change back to break a lock cycle with a webhook or queue worker on
    // the same rows: nothing of it was applied, so it runs again.
    return againOnLockConflict(() => this.transactions.run(async (tx) => {
      const billable = await this.store.lockById(tx, billableId);
      if (!billable) throw new PaymentsException(404, 'billable_not_found', 'There is no billable with this id.');
      const accounts = tx.manager.getRepository(SeatAccountEntity);
      const account = await accounts.findOne({ where: { billableId }, ...tx.forUpdate });
      const seats = account?.subscriptionId && account.plan ? this.catalog.get(account.plan)?.seats : undefined;
      if (!account || !seats) {
        throw new PaymentsException(409, 'no_seat_subscription', 'Seats can be bought once the billable subscribes to a plan sold per seat.');
      }
      const outcome = members === null ? { n: count } : await this.applyMembers(tx, billableId, mode, members);
      const used = 'used' in outcome ? outcome.used : await this.countMembers(tx, billableId);
      const purchased = nextPurchased(mode, account.purchased, outcome, seats);
      if (purchased > MAX_SEATS) throw new PaymentsException(400, 'quantity_above_max', `At most ${MAX_SEATS} seats.`, { min: seats.min, max: seats.max });
      if (purchased + seats.included < used) {
        throw new PaymentsException(409, 'seats_in_use', `${used} members hold seats; free some seats before paying for fewer.`, { used, purchased: account.purchased, included: seats.included });
      }
      assertWithinPlan(purchased, seats);
      if (purchased !== account.purchased) {
        account.purchased = purchased;
        account.seq += 1;
        await accounts.update({ billableId }, { purchased, seq: account.seq });
        await this.enqueueSync(tx, account);
      }
      return this.view(account, seats, used);
    }));
  }

  /** 403 `not_a_member` unless the app's `seats.isMember` says each id belongs to the billable (no hook: all do). */
  private async assertMembers(billableId: string, memberIds: readonly string[]): Promise<void> {
    const isMember = this.options.seats.isMember;
    if (!isMember) return;
    for (const memberId of memberIds) {
      // Only `true` seats a member: a hook that forgets to return refuses rather than seats strangers.
      if ((await isMember(billableId, memberId)) !== true) {
        throw new PaymentsException(403, 'not_a_member', 'This member does not belong to the organisation.', { memberId });
      }
    }
  }

  /** Puts the account's subscription on the queue, in the caller's transaction, to run after the coalescing window. */
  async enqueueSync(tx: PaymentsTx, account: SeatAccountEntity): Promise<void> {
    const runAfter = new Date(Date.now() + this.options.seats.coalesceSeconds * 1000);
    const payload: SeatSyncPayload = { billableId: account.billableId };
    await this.queue.enqueue(tx, SEAT_SYNC_KIND, account.subscriptionId as string, payload, { runAfter });
    this.logger.log(`seats of billable ${account.billableId} set to ${account.purchased} (change ${account.seq}); Stripe follows`);
  }

  private async applyMembers(tx: PaymentsTx, billableId: string, mode: Mode, members: string[]): Promise<MemberOutcome> {
    const repo = tx.manager.getRepository(SeatMemberEntity);
    const held = new Set((await repo.find({ where: { billableId } })).map((row) => row.memberId));
    let left = 0;
    if (mode === 'remove' || mode === 'set') {
      const leaving = mode === 'remove' ? members.filter((m) => held.has(m)) : [...held].filter((m) => !members.includes(m));
      if (leaving.length > 0) await repo.delete({ billableId, memberId: In(leaving) });
      leaving.forEach((m) => held.delete(m));
      left = leaving.length;
    }
    if (mode === 'add' || mode === 'set') {
      const now = this.options.now();
      const joining = members.filter((m) => !held.has(m));
      if (joining.length > 0) await repo.insert(joining.map((memberId) => ({ billableId, memberId, assignedAt: now })));
      joining.forEach((m) => held.add(m));
    }
    return { used: held.size, left };
  }

  private countMembers(tx: PaymentsTx, billableId: string): Promise<number> {
    return tx.manager.getRepository(SeatMemberEntity).count({ where: { billableId } });
  }

  /** The seats of the plan in effect: the seat subscription's plan, else the billable's (e.g. a free plan's included seats). */
  private async seatsOf(billableId: string, account: SeatAccountEntity | null): Promise<CatalogSeats | undefined> {
    if (account?.subscriptionId && account.plan) return this.catalog.get(account.plan)?.seats;
    const billable = await this.store.findById(billableId);
    return (this.catalog.get(billable?.plan) ?? this.catalog.freePlan())?.seats;
  }

  private view(account: SeatAccountEntity | null, seats: CatalogSeats | undefined, used: number): SeatsView {
    const purchased = account?.subscriptionId ? account.purchased : 0;
    const included = seats?.included ?? 0;
    return {
      used,
      purchased,
      included,
      max: seats?.max ?? null,
      available: Math.max(0, included + purchased - used),
      pending: !!account?.subscriptionId && account.seq !== account.syncedSeq,
    };
  }
}

/**
 * The purchased count after a change. A number adds, removes or sets that many seats; a member
 * list buys only the seats its new members lack (add), stops paying for the seats its members
 * leave (remove, never below what the remaining members need), or pays for exactly its members (set).
 */
function nextPurchased(mode: Mode, purchased: number, change: { n: number } | MemberOutcome, seats: CatalogSeats): number {
  if ('n' in change) return mode === 'add' ? purchased + change.n : mode === 'remove' ? purchased - change.n : change.n;
  const needed = Math.max(seats.min, change.used - seats.included);
  if (mode === 'add') return Math.max(purchased, needed);
  if (mode === 'remove') return Math.max(needed, purchased - change.left);
  return needed;
}

/** Seat holders after a member change, and how many left. */
interface MemberOutcome {
  used: number;
  left: number;
}

function memberKey(memberId: string | number): string {
  const key = String(memberId);
  if (key === '' || key.length > 64) throw new PaymentsException(400, 'invalid_request', 'A member id is 1 to 64 characters.');
  return key;
}

function memberList(ids: readonly (string | number)[]): string[] {
  if (ids.length > MAX_SEATS) throw new PaymentsException(400, 'invalid_request', `At most ${MAX_SEATS} members at once.`);
  return [...new Set(ids.map((id) => memberKey(id)))];
}
