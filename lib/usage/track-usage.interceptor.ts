import { CallHandler, CanActivate, ExecutionContext, Inject, Injectable, Logger, NestInterceptor, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { catchError, defer, from, mergeMap, Observable, of, throwError } from 'rxjs';
import { authenticatedBillableId, requireBillableId } from '../common/billable-id';
import { PaymentsException } from '../common/payments.exception';
import { PAYMENTS_AUTH_GUARD, PAYMENTS_OPTIONS, TRACK_USAGE_KEY } from '../payments.constants';
import { ResolvedPaymentsOptions } from '../payments.options';
import type { TrackUsageMetadata } from './track-usage.decorator';
import { UsageReservation } from './usage-ledger';
import { UsageService } from './usage.service';

const MAX_KEY_LENGTH = 255;
const KEY_PATTERN = /^[\x21-\x7e]+$/;

/**
 * Applied by `@TrackUsage`: reserves units before the handler (429 when over the limit), commits
 * them when the handler succeeds and releases them when it throws. With an `Idempotency-Key`, the
 * first successful answer is kept and a repeat gets it again (`Idempotent-Replayed: true`) without
 * running the handler. A no-op with `usageTracking: false`.
 */
@Injectable()
export class TrackUsageInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Payments:Usage');

  constructor(
    private readonly reflector: Reflector,
    private readonly usage: UsageService,
    @Inject(PAYMENTS_OPTIONS) private readonly options: ResolvedPaymentsOptions,
    @Optional() @Inject(PAYMENTS_AUTH_GUARD) private readonly authGuard?: CanActivate | null,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const metadata = this.reflector.getAllAndOverride<TrackUsageMetadata | undefined>(TRACK_USAGE_KEY, [context.getHandler(), context.getClass()]);
    if (!metadata || !this.options.usageTracking || context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest();
    const billableId = request?.payments?.billableId ?? (await this.billableIdOf(context, request));
    const quantity = this.quantityOf(metadata, request);
    if (quantity === 0) return next.handle();
    const key = this.keyOf(metadata, request);
    return defer(() => this.usage.reserve(billableId, metadata.metric, quantity, key)).pipe(
      catchError((error: unknown) => {
        if (error instanceof PaymentsException && error.code === 'usage_limit_exceeded') {
          setHeader(http.getResponse(), 'Retry-After', String(error.details.retryAfterSeconds));
        }
        return throwError(() => error);
      }),
      mergeMap((reservation) =>
        reservation.duplicate ? this.replay(reservation, http.getResponse()) : this.around(reservation, next, http.getResponse(), this.options.seats.getMemberId(request)),
      ),
    );
  }

  /** A repeated key: the first answer again, without running the handler. */
  private replay(reservation: UsageReservation, response: any): Observable<unknown> {
    const replay = reservation.replay;
    if (!replay?.stored) {
      return throwError(
        () =>
          new PaymentsException(409, 'idempotency_response_not_stored', 'A request with this Idempotency-Key was already counted, but its answer was not kept (not JSON data, or too large) and cannot be replayed; use a new key to run it again.', {
            ...(replay?.status ? { replayedStatus: replay.status } : {}),
          }),
      );
    }
    if (replay.status !== null) setStatus(response, replay.status);
    setHeader(response, 'Idempotent-Replayed', 'true');
    return of(replay.body);
  }

  private around(reservation: UsageReservation, next: CallHandler, response: any, memberId: string | number | null | undefined): Observable<unknown> {
    let committed = false;
    return next.handle().pipe(
      mergeMap((value) => {
        if (committed) return [value];
        committed = true;
        // The commit is awaited so a client that reads GET /usage next sees its use as final (and a repeat finds its answer).
        return from(
          this.usage.commit(reservation, { status: statusOf(response), body: value }, memberId).then(
            () => value,
            () => {
              this.logger.error(`Could not commit a ${reservation.metric} use; it stays reserved and counted.`);
              return value;
            },
          ),
        );
      }),
      catchError((error: unknown) =>
        from(
          this.usage.release(reservation).catch(() => {
            this.logger.error(`Could not release a ${reservation.metric} use after a failed request; it stays counted.`);
            return false;
          }),
        ).pipe(mergeMap(() => throwError(() => error))),
      ),
    );
  }

  /** Who pays, after running the module's `authGuard` when the app's guard did not (as the access decorators do). */
  private async billableIdOf(context: ExecutionContext, request: unknown): Promise<string> {
    return (await authenticatedBillableId(this.options, this.authGuard, context)) ?? requireBillableId(this.options, request);
  }

  private quantityOf(metadata: TrackUsageMetadata, request: unknown): number {
    const quantity = typeof metadata.quantity === 'function' ? metadata.quantity(request) : (metadata.quantity ?? 1);
    if (!Number.isSafeInteger(quantity) || quantity < 0 || quantity > 1_000_000) {
      throw new PaymentsException(400, 'invalid_request', 'The usage quantity of this request must be a whole number from 0 to 1000000.');
    }
    return quantity;
  }

  private keyOf(metadata: TrackUsageMetadata, request: any): string | null {
    const raw = metadata.key ? metadata.key(request) : request?.headers?.['idempotency-key'];
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (key === undefined || key === null || key === '') return null;
    if (typeof key !== 'string' || key.length > MAX_KEY_LENGTH || !KEY_PATTERN.test(key)) {
      throw new PaymentsException(400, 'invalid_request', `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} visible ASCII characters.`);
    }
    return key;
  }
}

function setStatus(response: any, status: number): void {
  if (typeof response?.status === 'function') response.status(status);
  else if (typeof response?.code === 'function') response.code(status);
}

/** The status the answer goes out with: set by Nest (`@HttpCode`, 201 for POST) before interceptors run, or by the handler. */
function statusOf(response: any): number {
  return typeof response?.statusCode === 'number' ? response.statusCode : 200;
}

function setHeader(response: any, name: string, value: string): void {
  if (typeof response?.setHeader === 'function') response.setHeader(name, value);
  else if (typeof response?.header === 'function') response.header(name, value);
}
