import { applyDecorators, CanActivate, ExecutionContext, Inject, Injectable, Optional, UseGuards } from '@nestjs/common';
import { authenticatedBillableId, httpRequest } from '../common/billable-id';
import { PaymentsException } from '../common/payments.exception';
import { PAYMENTS_AUTH_GUARD, PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { SeatService } from './seat.service';

/**
 * Lets in a member who holds one of the billable's seats, seating a new member while a paid (or
 * included) seat is free; beyond them, 403 `seat_limit_reached` with the seat counts, so the app
 * can offer to buy one more. The member is `seats.getMemberId(req)` (default `req.user.id`).
 */
@Injectable()
export class SeatGuard implements CanActivate {
  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly seats: SeatService,
    @Optional() @Inject(PAYMENTS_AUTH_GUARD) private readonly authGuard?: CanActivate | null,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const billableId = await authenticatedBillableId(this.options, this.authGuard, context);
    if (billableId === null) throw new PaymentsException(401, 'unauthenticated', 'Sign in first.');
    const memberId = this.options.seats.getMemberId(httpRequest(context));
    if (memberId === null || memberId === undefined || memberId === '') throw new PaymentsException(401, 'unauthenticated', 'No member id on the request; set seats.getMemberId in the PaymentsModule options.');
    if (await this.seats.claim(billableId, memberId)) return true;
    const view = await this.seats.get(billableId);
    throw new PaymentsException(403, 'seat_limit_reached', 'Every seat of this organisation is taken; an admin can buy another seat.', {
      used: view.used,
      purchased: view.purchased,
      included: view.included,
      max: view.max,
    });
  }
}

/** Only members holding a seat (taking a free one if there is room) pass; others get 403 `seat_limit_reached`. */
export function RequiresSeat() {
  return applyDecorators(UseGuards(SeatGuard));
}
