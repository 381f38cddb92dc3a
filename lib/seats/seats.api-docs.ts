import { applyDecorators } from '@nestjs/common';
import { DocErrors, DocOperation, DocProperty, DocResponse } from '../common/api-docs';

// The OpenAPI description of `GET /seats` and `POST /seats` (no-ops without @nestjs/swagger).

/** `GET /seats` and `POST /seats`. */
export class SeatsAnswer {
  @DocProperty({ description: 'Members holding a seat.' })
  used!: number;
  @DocProperty({ description: 'Seats bought (the Stripe quantity paid for, or about to be).' })
  purchased!: number;
  @DocProperty({ description: 'Seats that come with the plan.' })
  included!: number;
  @DocProperty({ type: Number, nullable: true, description: 'Most seats the plan lets the billable buy; null: no maximum.' })
  max!: number | null;
  @DocProperty({ description: 'Seats a new member can take now.' })
  available!: number;
  @DocProperty({ description: 'True while a change waits to reach Stripe.' })
  pending!: boolean;
}

/** `GET /seats`. */
export const DocSeats = (): MethodDecorator =>
  applyDecorators(
    DocOperation({ summary: "The caller's seats: used, purchased, included, max, available" }),
    DocResponse({ status: 200, description: 'The seats', type: SeatsAnswer }),
    DocErrors({ 401: ['unauthenticated'], 403: ['billing_forbidden'] }),
  );

/** `POST /seats`. */
export const DocSeatChange = (): MethodDecorator =>
  applyDecorators(
    DocOperation({ summary: 'Add, remove or set seats (or seat holders); Stripe follows through the work queue' }),
    DocResponse({ status: 200, description: 'The seats after the change', type: SeatsAnswer }),
    DocErrors({
      400: ['invalid_request', 'invalid_quantity', 'quantity_below_min', 'quantity_above_max'],
      401: ['unauthenticated'],
      403: ['billing_forbidden'],
      409: ['seats_in_use', 'no_seat_subscription'],
    }),
  );
