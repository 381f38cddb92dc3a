import { PaymentsException } from '../../common/payments.exception';
import { rawBodyFix } from './adapter-advice';

/**
 * The exact request bytes, capped at `maxBytes`. Uses Nest's `req.rawBody` (rawBody: true, on
 * Express or Fastify) or a Buffer body (`express.raw()`, a Fastify buffer parser); when no Express
 * parser touched the stream (another content type, `bodyParser: false`), reads it here with the cap.
 * A body parsed without its raw bytes cannot be verified: that is a set-up mistake, answered 500
 * `raw_body_missing` with the fix for the app's `platform` (the controller logs it, once per delivery).
 */
export async function readRawBody(req: any, maxBytes: number, platform = 'express'): Promise<Buffer> {
  const declared = Number(req.headers?.['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const existing = Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.isBuffer(req.body) ? req.body : null;
  if (existing) {
    if (existing.length > maxBytes) throw tooLarge(maxBytes);
    return existing;
  }
  // A Fastify request is not the stream (Fastify always parses first), so only Express's is read here.
  if (req._body !== true && req.readable && !req.readableEnded) return readStream(req, maxBytes);
  throw new PaymentsException(500, 'raw_body_missing', `Webhook misconfigured: ${rawBodyFix(platform)}.`);
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
