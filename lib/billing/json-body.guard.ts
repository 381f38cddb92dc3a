import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { httpRequest } from '../common/billable-id';
import { PaymentsException } from '../common/payments.exception';

const BODILESS_METHODS = ['GET', 'HEAD', 'OPTIONS'];

/**
 * 415 `unsupported_media_type` for a state-changing request whose body is not JSON. A cross-site
 * HTML form can only send urlencoded, multipart or text/plain bodies without a preflight, so with
 * this a cookie-based auth guard is not open to forms posted from other sites. A request with no
 * body and no Content-Type (a bare `POST /resume`) carries nothing a form could forge and passes.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = httpRequest(context);
    if (BODILESS_METHODS.includes(String(req.method).toUpperCase())) return true;
    const headers: Record<string, string | string[] | undefined> = req.headers ?? {};
    const type = headers['content-type'];
    if (type === undefined ? !hasBody(headers) : isJsonMediaType(String(type))) return true;
    throw new PaymentsException(415, 'unsupported_media_type', 'Send the request body as JSON (Content-Type: application/json).');
  }
}

/** `application/json` or a `+json` type such as `application/merge-patch+json`, parameters ignored. */
export function isJsonMediaType(contentType: string): boolean {
  const essence = contentType.split(';')[0].trim().toLowerCase();
  return essence === 'application/json' || /^application\/[a-z0-9!#$&^_.-]+\+json$/.test(essence);
}

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}
