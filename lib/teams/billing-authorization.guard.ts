import { CanActivate, ExecutionContext, HttpException, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { httpRequest, requireBillableId } from '../common/billable-id';
import { PaymentsException } from '../common/payments.exception';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { BILLING_ACTION_KEY, BillingActionName } from './billing-action.decorator';

/**
 * The app's `authorizeBilling` threw: an app bug, answered 500 (the filter logs this name once, not
 * the message, which may carry the app's data). The original error is its `cause`.
 */
export class AuthorizeBillingError extends Error {
  override readonly name = 'AuthorizeBillingError';

  constructor(action: BillingActionName, cause: unknown) {
    super(`authorizeBilling threw for action '${action}'`, { cause });
    if (cause instanceof Error && cause.stack) this.stack = `${this.name}: ${this.message}\n${cause.stack.split('\n').slice(1).join('\n')}`;
  }
}

/**
 * Asks `authorizeBilling(req, action, billableId)` whether the signed-in caller may do the route's
 * `@BillingAction` to its billable: anything but `true` is 403 `billing_forbidden`. It runs after
 * auth and before the Stripe call budget, so a refused request spends none of it and calls no Stripe.
 */
@Injectable()
export class BillingAuthorizationGuard implements CanActivate {
  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const action = this.reflector.getAllAndOverride<BillingActionName | undefined>(BILLING_ACTION_KEY, [context.getHandler(), context.getClass()]);
    // Fails closed: a billing route that forgot its action must not be open to every member.
    if (!action) throw new Error(`${context.getClass().name}.${context.getHandler().name} uses BillingAuthorizationGuard without @BillingAction`);
    const request = httpRequest(context);
    const billableId = requireBillableId(this.options, request);
    let allowed: unknown;
    try {
      allowed = await this.options.authorizeBilling(request, action, billableId);
    } catch (error) {
      // An HttpException is the app's own answer (e.g. its 401); anything else is a bug in the hook.
      if (error instanceof HttpException) throw error;
      throw new AuthorizeBillingError(action, error);
    }
    if (allowed !== true) throw billingForbidden(action);
    return true;
  }
}

/** 403 `billing_forbidden`: signed in, but not allowed to do this to the billable (e.g. a member cancelling). */
export function billingForbidden(action: BillingActionName): PaymentsException {
  return new PaymentsException(403, 'billing_forbidden', 'You are not allowed to do this to the billing account; ask its owner or an admin.', { action });
}

