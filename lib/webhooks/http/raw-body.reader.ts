import { PaymentsException } from '../../common/payments.exception';

/** The fix we name when the raw bytes are gone: the only way to verify Stripe's signature. */
export const RAW_BODY_FIX =
  'create the app with NestFactory.create(AppModule, { rawBody: true }) so the webhook can verify the exact bytes Stripe signed';

/**
 * The exact request bytes, capped at `maxBytes`. Uses Nest's `req.rawBody` (rawBody: true) or a
 * Buffer body from `express.raw()`; when no parser touched the stream (another content type,
 * `bodyParser: false`), reads it here with the cap. A body parsed without its raw bytes cannot be
 * verified: that is a set-up mistake, answered 500 `raw_body_missing` with the fix (the controller logs it).
 */
export async function readRawBody(req: any, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers?.['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const existing = Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.isBuffer(req.body) ? req.body : null;
  if (existing) {
    if (existing.length > maxBytes) throw tooLarge(maxBytes);
    return existing;
  }
  if (req._body !== true && req.readable && !req.readableEnded) return readStream(req, maxBytes);
  throw new PaymentsException(500, 'raw_body_missing', `Webhook misconfigured: ${RAW_BODY_FIX}.`);
}

function readStream(req: NodeJS.ReadableStream & { destroy?: () => void }, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Stop buffering at once: the cap is what keeps memory flat under oversized floods.
        cleanup();
        req.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function tooLarge(maxBytes: number): PaymentsException {
  return new PaymentsException(413, 'payload_too_large', `Webhook body exceeds ${maxBytes} bytes.`);
}
