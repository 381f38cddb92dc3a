import { HttpException } from '@nestjs/common';

/** Stable, machine-readable error codes a client may branch on. */
export type PaymentsErrorCode =
  | 'unauthenticated'
  | 'invalid_request'
  | 'invalid_plan'
  | 'invalid_redirect'
  | 'free_plan_checkout'
  | 'already_subscribed'
  | 'already_on_plan'
  | 'no_subscription'
  | 'not_in_grace_period'
  | 'subscription_ending'
  | 'immediate_cancel_disabled'
  | 'no_customer'
  | 'billable_not_found'
  | 'checkout_not_found'
  | 'checkout_in_progress'
  | 'customer_in_progress'
  | 'subscription_required'
  | 'plan_required'
  | 'feature_required'
  | 'usage_limit_exceeded'
  | 'unknown_metric'
  | 'idempotency_key_in_use'
  | 'idempotency_key_mismatch'
  | 'idempotency_response_not_stored'
  | 'payment_failed'
  | 'payment_action_required'
  | 'idempotency_conflict'
  | 'stripe_unavailable'
  | 'stripe_error'
  | 'payload_too_large'
  | 'invalid_signature'
  | 'webhook_not_configured'
  | 'raw_body_missing'
  | 'webhook_failed'
  | 'webhook_in_progress'
  | 'billing_not_configured'
  | 'invalid_json'
  | 'too_many_requests'
  | 'unsupported_media_type'
  | 'invoice_not_found'
  | 'no_upcoming_invoice'
  | 'checkout_params_invalid'
  | 'promotion_code_invalid'
  | 'trial_already_used'
  | 'pause_not_allowed'
  | 'cannot_pause'
  | 'not_paused'
  | 'billing_forbidden'
  // One-time products (issue 15).
  | 'invalid_product'
  | 'quantity_out_of_range'
  // Seats (issue 13).
  | 'invalid_quantity'
  | 'quantity_below_min'
  | 'quantity_above_max'
  | 'plan_without_seats'
  | 'plan_change_unsupported'
  | 'seats_in_use'
  | 'no_seat_subscription'
  | 'seat_limit_reached'
  | 'not_a_member'
  | 'allocation_limit_reached';

/** An HTTP error with a stable `code`, a human `message`, and optional safe details. */
export class PaymentsException extends HttpException {
  constructor(
    status: number,
    readonly code: PaymentsErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super({ statusCode: status, code, message, ...details }, status);
  }
}
