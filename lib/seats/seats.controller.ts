import { Body, Controller, Get, HttpCode, Inject, Post, Req, UseGuards, UsePipes } from '@nestjs/common';
import { DocAuthenticatedRoutes } from '../common/api-docs';
import { requireBillableId } from '../common/billable-id';
import { PaymentsAuthGuard } from '../common/payments-auth.guard';
import { PaymentsException } from '../common/payments.exception';
import { billingValidationPipe } from '../billing/billing-validation.pipe';
import { JsonBodyGuard } from '../billing/json-body.guard';
import { PAYMENTS_OPTIONS } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import { BillingAction } from '../teams/billing-action.decorator';
import { BillingAuthorizationGuard } from '../teams/billing-authorization.guard';
import { SeatChange, SeatService } from './seat.service';
import { DocSeatChange, DocSeats } from './seats.api-docs';
import { SeatChangeDto } from './seats.dtos';

/** `GET /seats` and `POST /seats` for the caller's own billable; Stripe follows changes through the work queue. */
@Controller()
@UseGuards(JsonBodyGuard, PaymentsAuthGuard, BillingAuthorizationGuard)
@UsePipes(billingValidationPipe())
@DocAuthenticatedRoutes()
export class SeatsController {
  constructor(
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    private readonly seats: SeatService,
  ) {}

  /** `{ used, purchased, included, max, available, pending }`. */
  @Get('seats')
  @DocSeats()
  @BillingAction('view')
  get(@Req() req: unknown) {
    return this.seats.get(requireBillableId(this.options, req));
  }

  /** Adds, removes or sets seats (or seat holders); answers the seats after the change. */
  @Post('seats')
  @DocSeatChange()
  @BillingAction('manage_seats')
  @HttpCode(200)
  change(@Req() req: unknown, @Body() body: SeatChangeDto) {
    const billableId = requireBillableId(this.options, req);
    const change = seatChangeOf(body);
    if (body.action === 'add') return this.seats.add(billableId, change);
    if (body.action === 'remove') return this.seats.remove(billableId, change);
    return this.seats.set(billableId, change);
  }
}

function seatChangeOf(body: SeatChangeDto): SeatChange {
  const hasSeats = body.seats !== undefined;
  const hasMembers = body.members !== undefined;
  if (hasSeats === hasMembers) {
    throw new PaymentsException(400, 'invalid_request', 'Give either seats (a number) or members (a list of member ids).', {
      errors: [{ field: hasSeats ? 'members' : 'seats', messages: ['give exactly one of seats and members'] }],
    });
  }
  if (hasSeats) return body.seats as number;
  const members = body.members;
  if (!Array.isArray(members) || members.length === 0 || members.some((m) => (typeof m !== 'string' && typeof m !== 'number') || String(m) === '' || String(m).length > 64)) {
    throw new PaymentsException(400, 'invalid_request', 'members must be a non-empty list of member ids (1 to 64 characters).', {
      errors: [{ field: 'members', messages: ['must be a non-empty list of member ids'] }],
    });
  }
  return members;
}
