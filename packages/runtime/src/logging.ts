/** The worker's loggers on pino: named child loggers whose levels change at run time (/admin/loggers), with secrets redacted. */
import type { Logger } from '@tributary/api';
import pino from 'pino';
import type { LoggerLevel } from './herder-api.js';
import { logFormat, prettyStream } from './log-format.js';
import { SecretValues } from './secrets.js';

type PinoLogger = pino.Logger;

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** Kafka Connect's log4j names map onto pino's: OFF → silent, WARN → warn, … */
export function toPinoLevel(level: string): pino.LevelWithSilent {
  const l = level.trim().toLowerCase();
  if (l === 'off') return 'silent';
  if (l === 'all') return 'trace';
  if ((LEVELS as readonly string[]).includes(l)) return l as pino.LevelWithSilent;
  throw new Error(`Invalid log level '${level}'`);
}

/** pino's JSON on stdout, or readable lines when the format is pretty (redaction applies first either way). */
function rootLogger(options: pino.LoggerOptions, destination?: pino.DestinationStream): PinoLogger {
  if (destination) return pino(options, destination);
  return logFormat() === 'pretty' ? pino(options, prettyStream()) : pino(options, pino.destination(1));
}

function toLog4jLevel(level: string): string {
  return level === 'silent' ? 'OFF' : level.toUpperCase();
}

/**
 * Named loggers whose levels can change at run time (PUT /admin/loggers/{name}). Every connector
 * and task logs through a child bound to {connector, task}; its logger name is the plugin class,
 * so setting a level on a class name or a prefix of it reaches all its instances.
 */
export class LoggerRegistry {
  readonly root: PinoLogger;
  /** Secret values known to this process; every line the root logger writes has them replaced by [hidden]. */
  readonly secrets: SecretValues;
  readonly #named = new Map<string, { loggers: Set<PinoLogger>; level: string | null; lastModified: number | null }>();

  constructor(root?: PinoLogger, secrets: SecretValues = new SecretValues(), destination?: pino.DestinationStream) {
    this.secrets = secrets;
    this.root =
      root ??
      rootLogger(
        {
          level: process.env.TRIBUTARY_LOG_LEVEL ?? 'info',
          base: { pid: process.pid },
          // Connector configs may hold secrets; never let a whole config object reach a line.
          redact: { paths: ['config', '*.config', 'props', '*.password', 'password'], censor: '[redacted]' },
          // And a secret quoted inside a message (a driver's error, a connector's own log line) is scrubbed.
          hooks: { streamWrite: (line) => secrets.scrub(line) },
        },
        destination,
      );
  }

  /** A child logger registered under `name` with the given bindings. */
  get(name: string, bindings: Record<string, unknown>): Logger {
    const child = this.root.child({ logger: name, ...bindings });
    let entry = this.#named.get(name);
    if (!entry) {
      entry = { loggers: new Set(), level: null, lastModified: null };
      this.#named.set(name, entry);
    }
    const effective = this.#effectiveLevel(name);
    if (effective) child.level = effective;
    entry.loggers.add(child);
    return child as unknown as Logger;
  }

  release(name: string, logger: Logger): void {
    this.#named.get(name)?.loggers.delete(logger as unknown as PinoLogger);
  }

  #effectiveLevel(name: string): string | null {
    let best: { len: number; level: string } | null = null;
    for (const [n, e] of this.#named) {
      if (!e.level) continue;
      if (name === n || name.startsWith(`${n}.`) || name.startsWith(`${n}/`)) {
        if (!best || n.length > best.len) best = { len: n.length, level: e.level };
      }
    }
    return best?.level ?? null;
  }

  levels(): Record<string, LoggerLevel> {
    const out: Record<string, LoggerLevel> = { root: { level: toLog4jLevel(this.root.level), last_modified: null } };
    for (const [n, e] of this.#named) {
      out[n] = {
        level: toLog4jLevel(e.level ?? this.#effectiveLevel(n) ?? this.root.level),
        last_modified: e.lastModified,
      };
    }
    return out;
  }

  level(name: string): LoggerLevel | null {
    return this.levels()[name] ?? null;
  }

  /**
   * Sets the level of a logger and everything below it. Returns, sorted, the loggers whose level this changed (a
   * logger named here for the first time counts as changed), and only those get a new last_modified, as Kafka
   * Connect's Loggers.setLevel.
   */
  setLevel(name: string, level: string): string[] {
    const pinoLevel = toPinoLevel(level);
    const before = this.levels();
    const now = Date.now();
    const inScope = (n: string): boolean =>
      name === 'root' || n === name || n.startsWith(`${name}.`) || n.startsWith(`${name}/`);
    if (name === 'root') {
      this.root.level = pinoLevel;
      for (const e of this.#named.values()) {
        e.level = null;
        for (const l of e.loggers) l.level = pinoLevel;
      }
    } else {
      if (!this.#named.has(name)) this.#named.set(name, { loggers: new Set(), level: null, lastModified: null });
      for (const [n, e] of this.#named) {
        if (!inScope(n)) continue;
        e.level = pinoLevel;
        for (const l of e.loggers) l.level = pinoLevel;
      }
    }
    const after = this.levels();
    const changed = Object.keys(after)
      .filter((n) => inScope(n) && before[n]?.level !== after[n]!.level)
      .sort();
    for (const n of changed) {
      const e = this.#named.get(n);
      if (e) e.lastModified = now;
    }
    return changed;
  }
}
