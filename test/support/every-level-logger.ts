import { LoggerService } from '@nestjs/common';

/** A log level Nest calls a LoggerService with. */
export type LogLevelName = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';

/** A Nest LoggerService that hands every level to one `keep`: the test loggers differ only in what they keep. */
export abstract class EveryLevelLogger implements LoggerService {
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

  protected abstract keep(level: LogLevelName, message: unknown, rest: unknown[]): void;
}
