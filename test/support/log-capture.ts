import { EveryLevelLogger, LogLevelName } from './every-level-logger';

/** One line the app logged. */
export interface LoggedLine {
  level: LogLevelName;
  text: string;
}

/** A Nest logger that keeps every line of every level, for tests that assert what an operator reads. */
export class LogCapture extends EveryLevelLogger {
  readonly lines: LoggedLine[] = [];
  /** Each line's message alone (Nest passes the logger's context after it). */
  private readonly bare: string[] = [];

  /** The messages (without their logger context) of one level. */
  messages(level: LoggedLine['level']): string[] {
    return this.bare.filter((_, i) => this.lines[i].level === level);
  }

  /** Lines of one level that contain every one of `parts`, from line `from` on. */
  matching(level: LoggedLine['level'], parts: string[], from = 0): string[] {
    return this.lines.slice(from).filter((l) => l.level === level && parts.every((p) => l.text.includes(p))).map((l) => l.text);
  }

  protected keep(level: LogLevelName, message: unknown, rest: unknown[]): void {
    const text = (part: unknown) => (part instanceof Error ? part.message : String(part));
    this.lines.push({ level, text: [message, ...rest].map(text).join(' ') });
    this.bare.push(text(message));
  }
}
