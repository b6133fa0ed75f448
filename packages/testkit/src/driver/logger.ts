/** A Logger that keeps every line in memory, so a test can assert on what a connector logged. */
import type { LogFn, Logger } from '@tributary/api';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** One line a plugin logged: its level, message, and structured fields (child-logger bindings included). */
export interface LogLine {
  readonly level: LogLevel;
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
  /** Milliseconds since the epoch when the line was logged. */
  readonly time: number;
}

interface Sink {
  readonly lines: LogLine[];
  readonly echo: boolean;
}

/**
 * A Logger that keeps every line in memory so a test can assert on what a connector logged.
 * Child loggers write into the same list, with their bindings merged into each line's fields.
 *
 * ```ts
 * expect(task.logger.messages('warn')).toContain('file /tmp/in.txt does not exist yet');
 * expect(task.logger.find(/resuming at byte/)).toBeDefined();
 * ```
 */
export class CollectingLogger implements Logger {
  readonly trace: LogFn = this.#logFn('trace');
  readonly debug: LogFn = this.#logFn('debug');
  readonly info: LogFn = this.#logFn('info');
  readonly warn: LogFn = this.#logFn('warn');
  readonly error: LogFn = this.#logFn('error');
  readonly fatal: LogFn = this.#logFn('fatal');
  #sink: Sink;
  #bindings: Readonly<Record<string, unknown>>;

  /** @param options.echo also print each line to stderr, handy while debugging a failing test. */
  constructor(options: { echo?: boolean } = {}) {
    this.#sink = { lines: [], echo: options.echo ?? false };
    this.#bindings = {};
  }

  #logFn(level: LogLevel): LogFn {
    const fn = (objOrMsg: Record<string, unknown> | string, msg?: string): void => {
      const own = typeof objOrMsg === 'string' ? {} : objOrMsg;
      const text = typeof objOrMsg === 'string' ? objOrMsg : (msg ?? '');
      const fields = { ...this.#bindings, ...own };
      this.#sink.lines.push({ level, msg: text, fields, time: Date.now() });
      if (this.#sink.echo) {
        const extra =
          Object.keys(fields).length > 0
            ? ` ${JSON.stringify(fields, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`
            : '';
        process.stderr.write(`[${level}] ${text}${extra}\n`);
      }
    };
    return fn as LogFn;
  }

  child(bindings: Record<string, unknown>): CollectingLogger {
    const child = new CollectingLogger();
    // Children share the parent's lines so one view shows everything the plugin logged.
    child.#sink = this.#sink;
    child.#bindings = { ...this.#bindings, ...bindings };
    return child;
  }

  /** Every line logged so far, oldest first; with `minLevel`, only lines at that level or above. */
  lines(minLevel?: LogLevel): readonly LogLine[] {
    if (!minLevel) return [...this.#sink.lines];
    const min = LEVELS.indexOf(minLevel);
    return this.#sink.lines.filter((l) => LEVELS.indexOf(l.level) >= min);
  }

  /** The messages logged at exactly `level`, or every message when omitted. */
  messages(level?: LogLevel): string[] {
    return this.#sink.lines.filter((l) => !level || l.level === level).map((l) => l.msg);
  }

  /** The first line whose message contains `pattern` (substring or RegExp), optionally at one level only. */
  find(pattern: string | RegExp, level?: LogLevel): LogLine | undefined {
    return this.#sink.lines.find(
      (l) =>
        (!level || l.level === level) && (typeof pattern === 'string' ? l.msg.includes(pattern) : pattern.test(l.msg)),
    );
  }

  /** Forgets every line logged so far, by this logger and its children. */
  clear(): void {
    this.#sink.lines.length = 0;
  }
}
