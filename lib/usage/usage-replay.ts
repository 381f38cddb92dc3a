import { PaymentsException } from '../common/payments.exception';

/** The first answer given under an idempotency key, replayed to the key's repeats. */
export interface UsageReplay {
  /** HTTP status of the first answer; null when the use was counted from code (no answer). */
  status: number | null;
  /** Whether the first answer's body was kept (plain JSON data within `maxStoredResponseBytes`). */
  stored: boolean;
  /** The first answer's body, when stored. */
  body: unknown;
}

class NotPlainData extends Error {}

/**
 * `{"v": <body>}` when the body is plain JSON data (objects, arrays, strings, numbers, booleans,
 * null, dates) of at most `maxBytes`; null otherwise. Class instances are refused on purpose: a
 * serializer outside this interceptor (ClassSerializerInterceptor) may hide some of their fields,
 * and a replay of their raw JSON would show them. Buffers and streams are not JSON either.
 */
export function encodeReplayBody(body: unknown, maxBytes: number): string | null {
  if (maxBytes <= 0) return null;
  let text: string;
  try {
    text = JSON.stringify({ v: body }, plainDataOnly);
  } catch {
    return null;
  }
  return Buffer.byteLength(text, 'utf8') <= maxBytes ? text : null;
}

/** The body `encodeReplayBody` stored. */
export function decodeReplayBody(text: string): unknown {
  return (JSON.parse(text) as { v?: unknown }).v;
}

function plainDataOnly(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return value;
  throw new NotPlainData();
}

/** 409 for a repeat whose first request is still running after the wait. */
export function keyInUse(): PaymentsException {
  return new PaymentsException(409, 'idempotency_key_in_use', 'A request with this Idempotency-Key is still in progress; retry it once that one has finished.');
}

/** 422 for a key reused with another quantity. */
export function keyMismatch(metric: string, counted: number): PaymentsException {
  return new PaymentsException(422, 'idempotency_key_mismatch', `This Idempotency-Key was used for ${counted} ${metric} unit(s); a request with another quantity needs a new key.`, {
    metric,
    quantity: counted,
  });
}
