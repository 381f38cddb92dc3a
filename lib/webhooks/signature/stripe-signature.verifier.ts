import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a `Stripe-Signature` was refused (for logs only; clients always get one generic answer). */
export type SignatureFailure = 'missing_header' | 'malformed_header' | 'no_v1_signature' | 'timestamp_too_old' | 'timestamp_in_future' | 'no_matching_signature' | 'no_secret';

/** The outcome of a signature check. */
export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: SignatureFailure };

/** The parts of a `Stripe-Signature` header that matter: `t` and every `v1`. */
export interface ParsedSignatureHeader {
  timestamp: number;
  signatures: string[];
}

// Bounds the work a forged header can cause: Stripe sends one v1 per active secret (a handful).
const MAX_HEADER_LENGTH = 4096;
const MAX_SIGNATURES = 16;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** Parses `t=<unix>,v1=<hex>[,v1=...]`, ignoring unknown schemes (v0, future ones); null when unusable. */
export function parseSignatureHeader(header: string | string[] | undefined | null): ParsedSignatureHeader | null {
  if (typeof header !== 'string' || header.length === 0 || header.length > MAX_HEADER_LENGTH) return null;
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      // A second `t` makes the header ambiguous: refuse rather than guess which one was signed.
      if (timestamp !== null || !/^\d{1,12}$/.test(value)) return null;
      timestamp = Number(value);
    } else if (key === 'v1' && signatures.length < MAX_SIGNATURES) {
      signatures.push(value.toLowerCase());
    }
  }
  if (timestamp === null) return null;
  return { timestamp, signatures };
}

/**
 * Verifies a webhook body the way Stripe signs it: HMAC-SHA256 of `${t}.${rawBody}` with each
 * configured secret, compared in constant time against every `v1`. Unlike stripe-node, a
 * timestamp more than `toleranceSeconds` in the future is refused too (a replay window both ways).
 */
export function verifyStripeSignature(input: {
  rawBody: Buffer;
  header: string | string[] | undefined | null;
  secrets: readonly string[];
  toleranceSeconds: number;
  nowSeconds: number;
}): SignatureCheck {
  if (input.secrets.length === 0) return { ok: false, reason: 'no_secret' };
  if (input.header === undefined || input.header === null || input.header === '') return { ok: false, reason: 'missing_header' };
  const parsed = parseSignatureHeader(input.header);
  if (!parsed) return { ok: false, reason: 'malformed_header' };
  const candidates = parsed.signatures.filter((s) => HEX_SHA256.test(s)).map((s) => Buffer.from(s, 'hex'));
  if (candidates.length === 0) return { ok: false, reason: 'no_v1_signature' };
  const age = input.nowSeconds - parsed.timestamp;
  if (age > input.toleranceSeconds) return { ok: false, reason: 'timestamp_too_old' };
  if (-age > input.toleranceSeconds) return { ok: false, reason: 'timestamp_in_future' };
  const prefix = Buffer.from(`${parsed.timestamp}.`, 'utf8');
  for (const secret of input.secrets) {
    const expected = createHmac('sha256', secret).update(prefix).update(input.rawBody).digest();
    // Compare against every candidate (no early exit) so timing does not reveal which one matched.
    let matched = false;
    for (const candidate of candidates) matched = timingSafeEqual(expected, candidate) || matched;
    if (matched) return { ok: true, timestamp: parsed.timestamp };
  }
  return { ok: false, reason: 'no_matching_signature' };
}
