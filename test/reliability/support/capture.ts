import { EveryLevelLogger } from '../../support/every-level-logger';

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
 * what a verbose production log would hold.
 */
export class CapturingLogger extends EveryLevelLogger {
  constructor(
    private readonly capture: Capture,
    private readonly instance: string,
  ) {
    super();
  }

  protected keep(level: string, message: unknown, rest: unknown[]): void {
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
