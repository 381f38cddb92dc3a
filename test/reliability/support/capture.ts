import { LoggerService } from '@nestjs/common';

/** Everything the suite saw: every log line of the apps and the fake, and every HTTP answer body. */
export class Capture {
  readonly logs: string[] = [];
  readonly responses: { route: string; body: string }[] = [];

  /** The fake's logger option. */
  readonly fakeLogger = (msg: string): void => {
    this.logs.push(`[FakeStripe] ${msg}`);
  };

  /** Records an answer body (the R13 scan reads them for secrets). */
  response(route: string, body: string): void {
    this.responses.push({ route, body });
  }
}

/**
 * A Nest LoggerService that keeps every line of every level (not only error/warn), so R13 scans
 * what a verbose production log would hold. Errors are also printed, so a failing run explains itself.
 */
export class CapturingLogger implements LoggerService {
  constructor(private readonly capture: Capture, private readonly instance: string) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.keep('log', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.keep('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.keep('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.keep('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.keep('verbose', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.keep('fatal', message, rest);
  }

  private keep(level: string, message: unknown, rest: unknown[]): void {
    const text = [message, ...rest].map((part) => (part instanceof Error ? `${part.message}\n${part.stack}` : typeof part === 'string' ? part : safeJson(part))).join(' ');
    this.capture.logs.push(`[${this.instance}] ${level} ${text}`);
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
