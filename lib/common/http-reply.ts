import { HttpAdapterHost } from '@nestjs/core';

/**
 * Writes a JSON answer through the app's HTTP adapter, so one filter works on Express and Fastify
 * alike (a Fastify reply has no `status().json()`, an Express response no `code().send()`).
 */
export function replyJson(adapterHost: HttpAdapterHost, response: unknown, status: number, body: object): void {
  adapterHost.httpAdapter.reply(response, body, status);
}

/** Sets one response header through the app's HTTP adapter (Express or Fastify). */
export function setReplyHeader(adapterHost: HttpAdapterHost, response: unknown, name: string, value: string): void {
  adapterHost.httpAdapter.setHeader(response, name, value);
}

/** The app's HTTP platform: 'express', 'fastify', or whatever a custom adapter calls itself. */
export function httpPlatform(adapterHost: HttpAdapterHost | undefined): string {
  return adapterHost?.httpAdapter?.getType?.() ?? 'express';
}
