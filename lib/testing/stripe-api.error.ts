/** An error answered in Stripe's envelope: `{ error: { type, code, param, message } }`. */
export class StripeApiError extends Error {
  /** Refused by parameter validation, before the endpoint ran: Stripe stores no idempotent result for it. */
  validation = false;

  constructor(
    readonly status: number,
    readonly type: 'invalid_request_error' | 'card_error' | 'api_error' | 'idempotency_error' | 'rate_limit_error',
    message: string,
    readonly param?: string,
    readonly code?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toBody(): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { type: this.type, message: this.message, ...this.extra };
    if (this.code) error.code = this.code;
    if (this.param) error.param = this.param;
    return { error };
  }
}

/** 404 for an id the fake does not know, worded as Stripe words it. */
export function missing(kind: string, id: string, param = 'id'): StripeApiError {
  return new StripeApiError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, param, 'resource_missing');
}

/** 400 for a bad or absent parameter. */
export function badParam(param: string, message: string, code = 'parameter_invalid'): StripeApiError {
  return new StripeApiError(400, 'invalid_request_error', message, param, code);
}

export function missingParam(param: string): StripeApiError {
  return badParam(param, `Missing required param: ${param}.`, 'parameter_missing');
}

/** A 400 raised while checking the request's shape (unknown, missing or mistyped params): not kept under its idempotency key. */
export function validationError(param: string, message: string, code = 'parameter_invalid'): StripeApiError {
  const err = badParam(param, message, code);
  err.validation = true;
  return err;
}

/** Whether Stripe would have stored this answer under the idempotency key (it does once the endpoint starts executing). */
export function keptUnderIdempotencyKey(err: StripeApiError): boolean {
  return !err.validation && err.code !== 'parameter_missing' && err.code !== 'parameter_unknown';
}
