import { LoggerService } from '@nestjs/common';

/** A Nest logger that keeps every line, for tests that assert what an operator reads. */
export class LogCapture implements LoggerService {
  readonly lines: { level: string; message: string; context?: string }[] = [];

  log(message: unknown, context?: string) {
    this.push('log', message, context);
  }
  warn(message: unknown, context?: string) {
    this.push('warn', message, context);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.push('error', message, rest[rest.length - 1] as string | undefined);
  }
  debug(message: unknown, context?: string) {
    this.push('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.push('verbose', message, context);
  }

  /** The messages of one level, e.g. `warnings('warn')`. */
  messages(level: string): string[] {
    return this.lines.filter((line) => line.level === level).map((line) => line.message);
  }

  private push(level: string, message: unknown, context?: string) {
    this.lines.push({ level, message: String(message), context });
  }
}
