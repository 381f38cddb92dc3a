import { CanActivate, ExecutionContext, INestApplication, Injectable, ValidationPipe } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { signStripePayload } from '../../../lib/testing';
import { setJsonBodyLimit } from '../../support/http-adapter';

/** The typical app guard: everything needs a bearer token unless the route says `isPublic`. */
@Injectable()
export class AppWideAuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>('isPublic', [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    return typeof context.switchToHttp().getRequest().headers.authorization === 'string';
  }
}

/**
 * Configures a test app as a strict real app would: a global auth guard, a whitelisting
 * ValidationPipe, and a JSON body limit above the webhook cap (so the webhook's own cap is tested).
 */
export function strictApp(app: INestApplication): void {
  app.useGlobalGuards(new AppWideAuthGuard(app.get(Reflector)));
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  setJsonBodyLimit(app, 4 * 1024 * 1024);
}

/** POSTs a body to the webhook with a signature made over `signedBody` (default: the body itself). */
export async function postWebhook(
  url: string,
  body: string | Buffer,
  options: { secret?: string; signature?: string | null; timestamp?: number; contentType?: string } = {},
): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  if (options.signature !== null) {
    headers['stripe-signature'] = options.signature ?? signStripePayload(body.toString(), options.secret ?? 'whsec_test_secret', options.timestamp);
  }
  const res = await fetch(`${url}/api/payments/webhook`, { method: 'POST', body, headers });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/** A minimal Stripe event of a type nobody handles. */
export function plainEvent(type = 'balance.available', extra: Record<string, unknown> = {}): { id: string; object: 'event'; type: string; created: number; livemode: false; data: { object: Record<string, unknown> } } {
  return {
    id: `evt_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`,
    object: 'event',
    type,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object: { id: `obj_${Date.now()}`, ...extra } },
  };
}
