import { CanActivate, ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { authenticatedBillableId, NO_BILLABLE_ID_MESSAGE } from '../common/billable-id';
import { PaymentsException } from '../common/payments.exception';
import { PAYMENTS_AUTH_GUARD, PAYMENTS_OPTIONS, REQUIRES_ACTIVE_KEY, REQUIRES_FEATURE_KEY, REQUIRES_PLAN_KEY } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { PlanCatalog } from '../plans/plan-catalog';
import { AccessDecision, AccessRefusal, AccessRequirement, decideAccess } from './access-policy';
import { Entitlements } from './entitlements.service';

/** What the guard leaves on the request for handlers: `req.payments`. */
export interface RequestBilling {
  billableId: string;
  /** The plan in effect when access was granted. */
  plan: string | null;
}

/**
 * Enforces `@RequiresPlan`, `@RequiresFeature` and `@RequiresActiveSubscription` (method metadata
 * overrides class metadata). Extend it and override the protected hooks, then pass the subclass
 * as `accessGuard` in the module options, as with @nestjs/throttler's guard.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    protected readonly reflector: Reflector,
    protected readonly entitlements: Entitlements,
    protected readonly catalog: PlanCatalog,
    @Inject(PAYMENTS_OPTIONS) protected readonly options: ResolvedPaymentsOptions,
    @Optional() @Inject(PAYMENTS_AUTH_GUARD) protected readonly authGuard?: CanActivate | null,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirement = this.getRequirement(context);
    if (!requirement) return true;
    const billableId = await this.getBillableId(context);
    const now = this.options.now();
    if (billableId === null) {
      const refusal = decideAccess(null, this.catalog, this.options.pastDue, now, requirement, false) as AccessRefusal;
      // Signed in but no id: the app's getBillableId does not fit its auth strategy; say so.
      return this.refuse(context, context.switchToHttp().getRequest()?.user ? { ...refusal, message: NO_BILLABLE_ID_MESSAGE } : refusal);
    }
    const state = this.entitlements.peek(billableId) ?? (await this.entitlements.state(billableId));
    const decision: AccessDecision = decideAccess(state, this.catalog, this.options.pastDue, now, requirement);
    if (!decision.allowed) return this.refuse(context, decision);
    const request = context.switchToHttp().getRequest();
    if (request) request.payments = { billableId, plan: decision.plan } satisfies RequestBilling;
    return true;
  }

  /** The route's requirement from the decorators, or null when it has none. */
  protected getRequirement(context: ExecutionContext): AccessRequirement | null {
    const targets = [context.getHandler(), context.getClass()];
    const plans = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRES_PLAN_KEY, targets);
    const features = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRES_FEATURE_KEY, targets);
    const active = this.reflector.getAllAndOverride<boolean | undefined>(REQUIRES_ACTIVE_KEY, targets);
    if (!plans && !features && !active) return null;
    return { plans, features, active };
  }

  /**
   * Hook: who pays for this request, read after authentication. Default: the module's
   * `getBillableId(req)`; when the app's auth guard has not run yet (it was declared after the
   * access decorator), the module's configured auth guard is run once first.
   */
  protected async getBillableId(context: ExecutionContext): Promise<string | null> {
    return authenticatedBillableId(this.options, this.authGuard, context);
  }

  /** Hook: how to refuse. Default: throws a PaymentsException (401/403 JSON with a stable `code`). */
  protected throwRefusal(context: ExecutionContext, decision: AccessRefusal): never {
    throw new PaymentsException(decision.status, decision.code, decision.message, decision.details);
  }

  private refuse(context: ExecutionContext, decision: AccessRefusal): false {
    this.throwRefusal(context, decision);
    // A hook that returns instead of throwing still denies (Nest then answers 403).
    return false;
  }
}
