import { Inject, Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { EntityManager, In } from 'typeorm';
import { PaymentsException } from '../common/payments.exception';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { TrialFingerprintEntity } from '../persistence/entities/trial-fingerprint.entity';
import { PaymentsTransactions, PaymentsTx } from '../persistence/payments-transactions';
import { StripeGateway } from '../stripe/stripe-gateway.service';
import { emailFingerprint, TrialEvidence } from './trial-fingerprints';

type Kind = 'card' | 'email';

/** Which kinds of evidence another billable had a trial with first. */
export interface TrialRepeats {
  card: boolean;
  email: boolean;
}

/**
 * Trials beyond one per billable (`trial.oncePerCard`, `trial.oncePerEmail`): the cards and
 * e-mails that had a trial, recorded when the trial starts (the webhook sync), and looked up before
 * a checkout offers one. Stripe is read with no transaction open; the table is the module's own.
 */
@Injectable()
export class TrialFingerprints {
  private readonly logger = new Logger('Payments:Billing');

  constructor(
    private readonly gateway: StripeGateway,
    private readonly transactions: PaymentsTransactions,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
  ) {}

  /** True when either option is on; otherwise nothing here is called and nothing is stored. */
  get enabled(): boolean {
    return this.options.trial.oncePerCard || this.options.trial.oncePerEmail;
  }

  /** Before a checkout: the customer's e-mail and saved cards at Stripe (one call for each option on). */
  async fromCustomer(customerId: string): Promise<TrialEvidence> {
    const { oncePerCard, oncePerEmail } = this.options.trial;
    const email = oncePerEmail ? await this.customerEmail(customerId) : null;
    let cards: string[] = [];
    if (oncePerCard) {
      const list = await this.gateway.call('paymentMethods.list', (s) => s.paymentMethods.list({ customer: customerId, type: 'card', limit: 100 }));
      cards = list.data.map((pm) => pm.card?.fingerprint).filter((f): f is string => typeof f === 'string' && f !== '');
    }
    return { email, cards };
  }

  /** When a trial starts: the customer's e-mail and the subscription's card (its default payment method). */
  async fromSubscription(sub: Stripe.Subscription): Promise<TrialEvidence> {
    const { oncePerCard, oncePerEmail } = this.options.trial;
    const customerId = typeof sub.customer === 'string' ? sub.customer : sub.customer.id;
    const email = oncePerEmail ? await this.customerEmail(customerId) : null;
    const method = sub.default_payment_method;
    let card: string | null | undefined = null;
    if (oncePerCard && method) {
      const pm = typeof method === 'string' ? await this.gateway.find('paymentMethods.retrieve', (s) => s.paymentMethods.retrieve(method)) : method;
      card = pm?.card?.fingerprint;
    }
    return { email, cards: card ? [card] : [] };
  }

  /** Whether another billable already had a trial with this evidence (read only; the checkout asks before offering one). */
  async repeats(billableId: string, evidence: TrialEvidence, manager?: EntityManager): Promise<TrialRepeats> {
    const keys = this.keysOf(evidence);
    if (keys.length === 0) return { card: false, email: false };
    const rows = await (manager ?? this.transactions.dataSource.manager).getRepository(TrialFingerprintEntity).find({ where: { value: In(keys.map((k) => k.value)) } });
    const elsewhere = rows.filter((row) => row.billableId !== billableId && keys.some((k) => k.kind === row.kind && k.value === row.value));
    return { card: elsewhere.some((row) => row.kind === 'card'), email: elsewhere.some((row) => row.kind === 'email') };
  }

  /**
   * Records the evidence of a trial that starts, inside the sync's transaction; the first billable
   * keeps a fingerprint (a concurrent insert waits on the key and is ignored). Answers what another
   * billable had first, read after the insert so two accounts racing with one card cannot both pass.
   */
  async record(tx: PaymentsTx, billableId: string, subscriptionId: string, evidence: TrialEvidence): Promise<TrialRepeats> {
    const keys = this.keysOf(evidence);
    if (keys.length === 0) return { card: false, email: false };
    const createdAt = new Date();
    await tx.manager
      .createQueryBuilder()
      .insert()
      .into(TrialFingerprintEntity)
      .values(keys.map((k) => ({ ...k, billableId, stripeSubscriptionId: subscriptionId, createdAt })))
      .orIgnore()
      .execute();
    return this.repeats(billableId, evidence, tx.manager);
  }

  /** Ends a trial at Stripe now (the customer is charged for the first period), with no transaction open. */
  async endTrial(billableId: string, subscriptionId: string): Promise<void> {
    this.logger.warn(`Billable ${billableId} started a trial with a card that already had one on another billable; ending the trial of ${subscriptionId} now.`);
    const idempotencyKey = this.gateway.idempotencyKey({ owner: billableId, action: 'subscription.end_repeat_trial', inputs: { subscription: subscriptionId } });
    await this.gateway.call('subscriptions.update', (s) => s.subscriptions.update(subscriptionId, { trial_end: 'now' }, { idempotencyKey }));
  }

  private async customerEmail(customerId: string): Promise<string | null> {
    const customer = await this.gateway.find('customers.retrieve', (s) => s.customers.retrieve(customerId));
    return customer && !(customer as Stripe.DeletedCustomer).deleted ? ((customer as Stripe.Customer).email ?? null) : null;
  }

  /** The rows this evidence maps to, for the options that are on. */
  private keysOf(evidence: TrialEvidence): { kind: Kind; value: string }[] {
    const keys: { kind: Kind; value: string }[] = [];
    const email = this.options.trial.oncePerEmail ? emailFingerprint(evidence.email) : null;
    if (email) keys.push({ kind: 'email', value: email });
    if (this.options.trial.oncePerCard) for (const card of new Set(evidence.cards)) keys.push({ kind: 'card', value: card.slice(0, 64) });
    return keys;
  }
}

/** 409 for a checkout whose trial another account already had, with `trial.onRepeat: 'refuse'`. */
export function trialAlreadyUsed(): PaymentsException {
  return new PaymentsException(409, 'trial_already_used', 'A free trial was already used with this card or e-mail address; this plan cannot be started with a trial.');
}
